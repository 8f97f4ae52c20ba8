// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --target %S/../Inputs/one_core.toml | FileCheck %s

// Address plan of a chain of four 1x1 convs on a single core (thetis memory map):
// - constants (weight tiles, requant params) are packed into DRAM from its base 0x80000000;
// - the network input and output live in DRAM;
// - intermediates live in L2 (base 0x20000000 = 536870912); c1's result is dead once c2
//   has read it, so c3's result reuses its buffer and records c2 (id 1) as the reader it
//   must not overtake (`after`);
// - each op's L1 working set starts at its core's L1 base (0x10000000 = 268435456).

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.input_addrs = array<i64: [[IN:21[0-9]+]]>
// CHECK-SAME:    convc.output_addrs = array<i64: [[OUT:21[0-9]+]]>
// CHECK:         "imc.conv2d"(%arg0
// CHECK-SAME:      convc.after = array<i64>
// CHECK-SAME:      convc.const.params = {{21[0-9]+}} : i64, convc.const.weights = 2147483648 : i64
// CHECK-SAME:      convc.id = 0 : i64
// CHECK-SAME:      convc.l1.input = 268435456 : i64
// CHECK-SAME:      convc.out_addr = [[T0:536870912]] : i64
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.after = array<i64>
// CHECK-SAME:      convc.const.weights = {{21[0-9]+}} : i64
// CHECK-SAME:      convc.id = 1 : i64
// CHECK-SAME:      convc.l1.input = 268435456 : i64
// CHECK-SAME:      convc.out_addr = [[T1:5[0-9]+]] : i64
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.after = array<i64: 1>
// CHECK-SAME:      convc.id = 2 : i64
// CHECK-SAME:      convc.out_addr = [[T0]] : i64
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.id = 3 : i64
// CHECK-SAME:      convc.out_addr = [[OUT]] : i64
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c1")
  %1 = tosa.conv2d %0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c2")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c3")
  %3 = tosa.conv2d %2, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("c4")
  return %3 : tensor<1x4x4x8xf32>
}
