// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A product of two activations (attention's Q.K^T) cannot use the IMC array, which holds
// constant weights: it becomes a dpu.batch_matmul, each operand with its own zero point and
// one requantization to the output's scale.

// CHECK-LABEL: func.func @main
// CHECK:         %[[P:.*]] = "dpu.batch_matmul"(%arg0, %arg1)
// CHECK-SAME:      (tensor<2x4x8xi8>, tensor<2x8x4xi8>) -> tensor<2x4x4xi8>
// CHECK-NOT:     imc.matmul
// CHECK:         return %[[P]]
func.func @main(%arg0: tensor<2x4x8xf32>, %arg1: tensor<2x8x4xf32>) -> tensor<2x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.matmul %arg0, %arg1, %z, %z : (tensor<2x4x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4xf32> loc("attn/MatMul")
  return %0 : tensor<2x4x4xf32>
}
