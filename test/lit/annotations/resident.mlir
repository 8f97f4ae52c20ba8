// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --annotations %S/resident.cva | FileCheck %s

// resident keeps conv2's weights and requantization parameters on chip: they are placed at
// the bottom of L2 (0x20000000 = 536870912; preloaded as DATA when the stream loads, never
// rewritten) and activations are planned above them (conv1's result at 0x20000080, after the
// two 64-byte-aligned constant buffers). conv1's constants stay in DRAM (0x80000000..).

// CHECK:         "imc.conv2d"(%arg0,
// CHECK-SAME:      convc.const.params = 2147483712 : i64, convc.const.weights = 2147483648 : i64
// CHECK-SAME:      convc.out_addr = 536871040 : i64
// CHECK-NOT:       resident_source
// CHECK:         "imc.conv2d"(
// CHECK-SAME:      convc.const.params = 536870976 : i64, convc.const.weights = 536870912 : i64
// CHECK-SAME:      convc.source.resident = "{{.*}}resident.cva:2"

func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, -0.5]]], [[[0.25, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv2")
  return %2 : tensor<1x4x4x2xf32>
}
