// RUN: convc-opt %s --pass convc-fold-constants | FileCheck %s

// log_softmax over an axis of size 1 arrives as x - x (the one-element max folded away), then
// exp, log and a subtraction: x - x is 0 for every finite x, so the whole chain folds to
// constant zeros. A difference of two different values stays.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     tosa.exp
// CHECK-NOT:     tosa.log
// CHECK:         %[[Z:.*]] = "tosa.const"() <{values = dense<0.000000e+00> : tensor<3x1xf32>}>
// CHECK:         %[[D:.*]] = tosa.sub %arg0, %arg1
// CHECK:         return %[[Z]], %[[D]]
func.func @main(%arg0: tensor<3x1xf32>, %arg1: tensor<3x1xf32>) -> (tensor<3x1xf32>, tensor<3x1xf32>) {
  %0 = tosa.sub %arg0, %arg0 : (tensor<3x1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32> loc("ls/sub")
  %1 = tosa.exp %0 : (tensor<3x1xf32>) -> tensor<3x1xf32> loc("ls/exp")
  %2 = tosa.log %1 : (tensor<3x1xf32>) -> tensor<3x1xf32> loc("ls/log")
  %3 = tosa.sub %0, %2 : (tensor<3x1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32> loc("ls/sub2")
  %4 = tosa.sub %arg0, %arg1 : (tensor<3x1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32> loc("d")
  return %3, %4 : tensor<3x1xf32>, tensor<3x1xf32>
}
