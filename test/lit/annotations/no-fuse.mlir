// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --annotations %S/no-fuse.cva | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s --check-prefix=DEFAULT

// no_fuse keeps conv1's ReLU out of its clamp: conv1 writes the full int8 range and a DPU
// rescale applies the ReLU, with the rule as the fusion decision's source. By default the
// ReLU fuses (clamp_min = the output zero point) and there is no rescale.

// CHECK:         %[[C1:.*]] = "imc.conv2d"(%arg0,
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = -128 : i64
// CHECK-SAME:      convc.source.fusion = "{{.*}}no-fuse.cva:2"
// CHECK-NEXT:    %[[R:.*]] = "dpu.rescale"(%[[C1]])
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = [[ZP:-?[0-9]+]] : i64
// CHECK-SAME:      out_zp = [[ZP]] : i64
// CHECK:         "imc.conv2d"(%[[R]],

// DEFAULT:       %[[C1:.*]] = "imc.conv2d"(%arg0,
// DEFAULT-NOT:     fusion_source
// DEFAULT-SAME:    clamp_max = 127 : i64, clamp_min = [[ZP:-?[0-9]+]] : i64
// DEFAULT-SAME:    out_zp = [[ZP]] : i64
// DEFAULT-NOT:   dpu.rescale
// DEFAULT:       "imc.conv2d"(%[[C1]],

func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, -0.5]]], [[[0.25, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv2")
  return %2 : tensor<1x4x4x2xf32>
}
