// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// A constant times an activation has its weights on the wrong side for the IMC array (it
// multiplies input rows by a constant matrix) and is no product of two activations either.

// CHECK: error: node 'left/MatMul' (tosa.matmul): only products with constant weights run on the IMC array
func.func @main(%arg0: tensor<1x8x4xf32>) -> tensor<1x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<1x4x8xf32>}> : () -> tensor<1x4x8xf32>
  %0 = tosa.matmul %w, %arg0, %z, %z : (tensor<1x4x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32> loc("left/MatMul")
  return %0 : tensor<1x4x4xf32>
}
