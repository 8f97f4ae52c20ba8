// RUN: convc-opt %s --pass convc-fold-constants | FileCheck %s

// Ops with an activation operand must stay, even when their other operands are constants:
// the add and rsqrt on %arg0 are left alone. An op without a float reference in convc
// (tosa.sin) is not folded either, even with only constant operands, and a non-f32 constant
// op (integer add) is not folded.

// CHECK-LABEL: func.func @main
// CHECK:         tosa.sin %{{.*}} : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
// CHECK:         tosa.add %{{.*}}, %{{.*}} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
// CHECK:         %[[A:.*]] = tosa.add %arg0, %{{.*}} : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>)
// CHECK:         %[[R:.*]] = tosa.rsqrt %[[A]]
// CHECK:         return %[[R]]
func.func @main(%arg0: tensor<1x2x2x4xf32>) -> (tensor<1x2x2x4xf32>, tensor<4xi32>) {
  %c = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %i = "tosa.const"() <{values = dense<3> : tensor<4xi32>}> : () -> tensor<4xi32>
  %e = tosa.sin %c : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32> loc("exp")
  %n = tosa.add %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32> loc("int_add")
  %0 = tosa.add %arg0, %e : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x2x4xf32> loc("add")
  %1 = tosa.rsqrt %0 : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> loc("rsqrt")
  return %1, %n : tensor<1x2x2x4xf32>, tensor<4xi32>
}
