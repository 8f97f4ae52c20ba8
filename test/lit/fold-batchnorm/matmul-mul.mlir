// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// A per-column multiply after a matmul folds into the weight columns ([1, K, N] * [1, 1, N]).
// A matmul has no bias operand, so the add that follows must stay (lowering turns it into
// the IMC bias).

// CHECK-LABEL: func.func @main
// CHECK:         %[[W:.*]] = "tosa.const"() <{values = dense<{{\[\[\[}}2.000000e+00, -1.000000e+00], [2.000000e+00, -1.000000e+00], [2.000000e+00, -1.000000e+00]]]> : tensor<1x3x2xf32>}>
// CHECK:         %[[MM:.*]] = tosa.matmul %arg0, %[[W]]
// CHECK-NOT:     tosa.mul
// CHECK:         %[[ADD:.*]] = tosa.add %[[MM]], %{{.*}} : (tensor<1x1x2xf32>, tensor<1x1x2xf32>)
// CHECK:         return %[[ADD]]
func.func @main(%arg0: tensor<1x1x3xf32>) -> tensor<1x1x2xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<1.0> : tensor<1x3x2xf32>}> : () -> tensor<1x3x2xf32>
  %scale = "tosa.const"() <{values = dense<[[[2.0, -1.0]]]> : tensor<1x1x2xf32>}> : () -> tensor<1x1x2xf32>
  %bias = "tosa.const"() <{values = dense<[[[0.5, 0.25]]]> : tensor<1x1x2xf32>}> : () -> tensor<1x1x2xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.matmul %arg0, %w, %z, %z : (tensor<1x1x3xf32>, tensor<1x3x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2xf32> loc("fc")
  %1 = tosa.mul %0, %scale, %sh : (tensor<1x1x2xf32>, tensor<1x1x2xf32>, tensor<1xi8>) -> tensor<1x1x2xf32> loc("fc/scale")
  %2 = tosa.add %1, %bias : (tensor<1x1x2xf32>, tensor<1x1x2xf32>) -> tensor<1x1x2xf32> loc("fc/bias")
  return %2 : tensor<1x1x2xf32>
}
