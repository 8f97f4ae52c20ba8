// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --target %S/../Inputs/tiny_l2.toml | FileCheck %s

// tiny_l2 has only 256 bytes of L2. c1's 512-byte result cannot live there and spills to
// DRAM (0x80000000.., after the constants and the network I/O); c2's 128-byte result still
// fits L2 at its base. A spilled buffer is never shared, so it has no reuse hazards.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.output_addrs = array<i64: [[OUT:21[0-9]+]]>
// CHECK:         "imc.conv2d"(%arg0
// CHECK-SAME:      convc.after = array<i64>
// CHECK-SAME:      convc.id = 0 : i64
// CHECK-SAME:      convc.out_addr = {{21[0-9]+}} : i64
// CHECK-SAME:      -> tensor<1x4x4x32xi8>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.id = 1 : i64
// CHECK-SAME:      convc.out_addr = 536870912 : i64
// CHECK-SAME:      -> tensor<1x4x4x8xi8>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.id = 2 : i64
// CHECK-SAME:      convc.out_addr = [[OUT]] : i64
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.25> : tensor<32x1x1x8xf32>}> : () -> tensor<32x1x1x8xf32>
  %ba = "tosa.const"() <{values = dense<0.0> : tensor<32xf32>}> : () -> tensor<32xf32>
  %wb = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x32xf32>}> : () -> tensor<8x1x1x32xf32>
  %wc = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %wa, %ba, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<32x1x1x8xf32>, tensor<32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x32xf32> loc("c1")
  %1 = tosa.conv2d %0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x32xf32>, tensor<8x1x1x32xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c2")
  %2 = tosa.conv2d %1, %wc, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c3")
  return %2 : tensor<1x4x4x8xf32>
}
