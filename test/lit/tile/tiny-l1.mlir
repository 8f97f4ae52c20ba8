// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/tiny_l1.toml 2>&1 | FileCheck %s

// With a 4 KiB L1 even one output pixel at a time does not fit: the whole input (1024 B),
// the weight tile (2304 B), params, one patch row, one accumulator row and the whole output
// (1024 B) need 4800 B. The error names the layer, the need and the target's L1 size.

// CHECK: error: node 'conv' (imc.conv2d) needs 4800 bytes of L1 even one row at a time, but tiny_l1's L1 holds 4096
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %w = "tosa.const"() <{values = dense<0.1> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  return %0 : tensor<1x8x8x16xf32>
}
