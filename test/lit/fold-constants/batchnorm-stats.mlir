// RUN: convc-opt %s --pass convc-fold-constants | FileCheck %s

// torch-mlir lowers an inference BatchNormalization to rsqrt(var + eps) on constant statistics.
// Both ops have only constant operands, so they fold into one tosa.const holding
// 1/sqrt([3, 15, 0, 8] + 1) = [0.5, 0.25, 1.0, 0.333...]; the mul on the activation stays.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     tosa.add
// CHECK-NOT:     tosa.rsqrt
// CHECK:         %[[C:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}5.000000e-01, 2.500000e-01, 1.000000e+00, 0.333333{{[0-9]*}}]]]]> : tensor<1x1x1x4xf32>}>
// CHECK-NOT:     tosa.add
// CHECK-NOT:     tosa.rsqrt
// CHECK:         %[[M:.*]] = tosa.mul %arg0, %[[C]], %{{.*}} : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>)
// CHECK:         return %[[M]]
func.func @main(%arg0: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %var = "tosa.const"() <{values = dense<[[[[3.0, 15.0, 0.0, 8.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %eps = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.add %var, %eps : (tensor<1x1x1x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x1x4xf32> loc("bn/add_eps")
  %1 = tosa.rsqrt %0 : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32> loc("bn/rsqrt")
  %2 = tosa.mul %arg0, %1, %sh : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x2x2x4xf32> loc("bn/mul")
  return %2 : tensor<1x2x2x4xf32>
}
