// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// Depthwise weights are [kh, kw, C, M] and output channel c*M + m comes from weights[.., c, m].
// With C = 2, M = 2 and scale = [1, 2, 3, 4] (W = 1, b = [1, 1, 2, 2]) the fold must give
// W' = [[1, 2], [3, 4]] (not the transposed [[1, 3], [2, 4]]) and b' = [1, 2, 6, 8].

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]]]> : tensor<1x1x2x2xf32>}>
// CHECK-DAG:     %[[B:.*]] = "tosa.const"() <{values = dense<[1.000000e+00, 2.000000e+00, 6.000000e+00, 8.000000e+00]> : tensor<4xf32>}>
// CHECK:         %[[DW:.*]] = tosa.depthwise_conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT:     tosa.mul
// CHECK:         return %[[DW]]
func.func @main(%arg0: tensor<1x3x3x2xf32>) -> tensor<1x3x3x4xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<1x1x2x2xf32>}> : () -> tensor<1x1x2x2xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %scale = "tosa.const"() <{values = dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.depthwise_conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x3x3x2xf32>, tensor<1x1x2x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x4xf32> loc("dw")
  %1 = tosa.mul %0, %scale, %sh : (tensor<1x3x3x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x3x3x4xf32> loc("dw_bn/mul")
  return %1 : tensor<1x3x3x4xf32>
}
