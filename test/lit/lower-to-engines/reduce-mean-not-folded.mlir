// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A sum followed by a product with a per-element constant is no mean: only a positive scalar
// factor folds into the average pool's multiplier. Here the pool computes the sum and the
// product stays a DPU mul by its constant.

// CHECK-LABEL: func.func @main
// CHECK:         "dpu.avgpool"
// CHECK-SAME:      kernel = array<i64: 5, 1>
// CHECK-SAME:      (tensor<1x15x1x1xi8>) -> tensor<1x3x1x1xi8>
// CHECK:         "dpu.mul"
// CHECK-SAME:      -> tensor<3x1xi8>
func.func @main(%arg0: tensor<3x5xf32>) -> tensor<3x1xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %w = "tosa.const"() <{values = dense<[[0.5], [-1.0], [2.0]]> : tensor<3x1xf32>}> : () -> tensor<3x1xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 1 : i32} : (tensor<3x5xf32>) -> tensor<3x1xf32> loc("row_sum")
  %1 = tosa.mul %0, %w, %shift : (tensor<3x1xf32>, tensor<3x1xf32>, tensor<1xi8>) -> tensor<3x1xf32> loc("weigh")
  return %1 : tensor<3x1xf32>
}
