// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// The IMC array holds constant weights; a product of two activations (attention-style)
// cannot run on it and is refused with the node name.

// CHECK: error: node 'attn/MatMul' (tosa.matmul): only products with constant weights run on the IMC array
// CHECK-NOT: imc.matmul
func.func @main(%arg0: tensor<1x4x8xf32>, %arg1: tensor<1x8x4xf32>) -> tensor<1x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.matmul %arg0, %arg1, %z, %z : (tensor<1x4x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32> loc("attn/MatMul")
  return %0 : tensor<1x4x4xf32>
}
