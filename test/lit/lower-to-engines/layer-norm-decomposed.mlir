// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// Exporters before opset 17 write LayerNorm as ReduceMean, Sub, Pow 2, ReduceMean, Add, Sqrt,
// Div: torch-mlir gives pow(d, 2) and reciprocal(pow(v, 0.5)). The same dpu.layernorm, with
// unit gains and zero offsets when the model has no gamma and beta.

// CHECK-LABEL: func.func @main
// CHECK:         %[[N:.*]] = "dpu.layernorm"(%arg0, %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}})
// CHECK-SAME:      (tensor<4x8xi8>, tensor<8xi32>, tensor<8xi32>) -> tensor<4x8xi8>
// CHECK-NOT:     dpu.lut
// CHECK:         return %[[N]]
func.func @main(%arg0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %inv_n = "tosa.const"() <{values = dense<0.125> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %two = "tosa.const"() <{values = dense<2.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %eps = "tosa.const"() <{values = dense<9.99999974E-6> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32> loc("ln")
  %1 = tosa.mul %0, %inv_n, %shift : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<4x1xf32> loc("ln")
  %2 = tosa.sub %arg0, %1 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32> loc("ln")
  %3 = tosa.pow %2, %two : (tensor<4x8xf32>, tensor<1x1xf32>) -> tensor<4x8xf32> loc("ln")
  %4 = tosa.reduce_sum %3 {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32> loc("ln")
  %5 = tosa.mul %4, %inv_n, %shift : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<4x1xf32> loc("ln")
  %6 = tosa.add %5, %eps : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32> loc("ln")
  %7 = tosa.pow %6, %half : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32> loc("ln")
  %8 = tosa.reciprocal %7 : (tensor<4x1xf32>) -> tensor<4x1xf32> loc("ln")
  %9 = tosa.mul %2, %8, %shift : (tensor<4x8xf32>, tensor<4x1xf32>, tensor<1xi8>) -> tensor<4x8xf32> loc("ln")
  return %9 : tensor<4x8xf32>
}
