// RUN: convc-opt %s --pass convc-fold-constants | FileCheck %s

// A longer constant chain: (mean - 1) * 4 with broadcasting of a scalar, then a transpose of
// the result (tosa.transpose has a float reference, so it folds too). Everything is one
// constant in the end, and the constants that only fed the chain are erased.

// CHECK-LABEL: func.func @main
// CHECK:         %[[C:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}2.000000e+00], [6.000000e+00]]]]> : tensor<1x1x2x1xf32>}>
// CHECK-NOT:     tosa.sub
// CHECK-NOT:     tosa.transpose
// CHECK:         tosa.add %arg0, %[[C]]
// CHECK-NOT:     tosa.const
// CHECK:         return
func.func @main(%arg0: tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32> {
  %mean = "tosa.const"() <{values = dense<[[[[1.5, 2.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %four = "tosa.const"() <{values = dense<4.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.sub %mean, %one : (tensor<1x1x1x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x1x2xf32> loc("sub")
  %1 = tosa.mul %0, %four, %sh : (tensor<1x1x1x2xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x1x2xf32> loc("mul")
  %2 = tosa.transpose %1 {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x1x1x2xf32>) -> tensor<1x1x2x1xf32> loc("t")
  %3 = tosa.add %arg0, %2 : (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32> loc("add")
  return %3 : tensor<1x1x2x1xf32>
}
