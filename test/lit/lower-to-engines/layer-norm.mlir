// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// ONNX LayerNormalization as torch-mlir spells it (mean, x - mean, mean of its square, + eps,
// rsqrt, times x - mean, then gamma and beta) over the innermost axis becomes one
// dpu.layernorm; gamma and beta are folded into its int32 gains and offsets, one per element
// of a row, and nothing of the chain is left.

// CHECK-LABEL: func.func @main
// CHECK:         %[[G:.*]] = arith.constant dense<{{.*}}> : tensor<6xi32>
// CHECK:         %[[B:.*]] = arith.constant dense<{{.*}}> : tensor<6xi32>
// CHECK:         %[[N:.*]] = "dpu.layernorm"(%arg0, %[[G]], %[[B]])
// CHECK-SAME:      eps_term = {{[0-9]+}} : i64
// CHECK-SAME:      (tensor<2x3x6xi8>, tensor<6xi32>, tensor<6xi32>) -> tensor<2x3x6xi8>
// CHECK-NOT:     dpu.mul
// CHECK-NOT:     dpu.add
// CHECK-NOT:     dpu.lut
// CHECK:         return %[[N]]
func.func @main(%arg0: tensor<2x3x6xf32>) -> tensor<2x3x6xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %inv_n = "tosa.const"() <{values = dense<0.166666672> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %eps = "tosa.const"() <{values = dense<9.99999974E-6> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %gamma = "tosa.const"() <{values = dense<[[[0.5, 1.0, 1.5, 0.75, 1.25, 1.0]]]> : tensor<1x1x6xf32>}> : () -> tensor<1x1x6xf32>
  %beta = "tosa.const"() <{values = dense<[[[0.1, -0.2, 0.0, 0.3, -0.1, 0.2]]]> : tensor<1x1x6xf32>}> : () -> tensor<1x1x6xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 2 : i32} : (tensor<2x3x6xf32>) -> tensor<2x3x1xf32> loc("ln")
  %1 = tosa.mul %0, %inv_n, %shift : (tensor<2x3x1xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<2x3x1xf32> loc("ln")
  %2 = tosa.sub %arg0, %1 : (tensor<2x3x6xf32>, tensor<2x3x1xf32>) -> tensor<2x3x6xf32> loc("ln")
  %3 = tosa.mul %2, %2, %shift : (tensor<2x3x6xf32>, tensor<2x3x6xf32>, tensor<1xi8>) -> tensor<2x3x6xf32> loc("ln")
  %4 = tosa.reduce_sum %3 {axis = 2 : i32} : (tensor<2x3x6xf32>) -> tensor<2x3x1xf32> loc("ln")
  %5 = tosa.mul %4, %inv_n, %shift : (tensor<2x3x1xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<2x3x1xf32> loc("ln")
  %6 = tosa.add %5, %eps : (tensor<2x3x1xf32>, tensor<1x1x1xf32>) -> tensor<2x3x1xf32> loc("ln")
  %7 = tosa.rsqrt %6 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32> loc("ln")
  %8 = tosa.mul %2, %7, %shift : (tensor<2x3x6xf32>, tensor<2x3x1xf32>, tensor<1xi8>) -> tensor<2x3x6xf32> loc("ln")
  %9 = tosa.mul %8, %gamma, %shift : (tensor<2x3x6xf32>, tensor<1x1x6xf32>, tensor<1xi8>) -> tensor<2x3x6xf32> loc("ln")
  %10 = tosa.add %9, %beta : (tensor<2x3x6xf32>, tensor<1x1x6xf32>) -> tensor<2x3x6xf32> loc("ln")
  return %10 : tensor<2x3x6xf32>
}
