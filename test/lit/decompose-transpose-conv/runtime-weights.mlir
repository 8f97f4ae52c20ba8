// RUN: not convc-opt %s --pass convc-decompose-transpose-conv --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// Weights computed at run time cannot be rearranged into phases: the pass leaves the op,
// and lowering refuses it by node name.

// CHECK: error: node 'up' (tosa.transpose_conv2d) has no lowering to the engines
func.func @main(%arg0: tensor<1x3x3x2xf32>, %w: tensor<2x3x3x2xf32>) -> tensor<1x7x7x2xf32> {
  %b = "tosa.const"() <{values = dense<0.1> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.transpose_conv2d %arg0, %w, %b, %z, %z {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x3x3x2xf32>, tensor<2x3x3x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x7x7x2xf32> loc("up")
  return %0 : tensor<1x7x7x2xf32>
}
