// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// Element-wise ops run on the DPU:
// - add of two activations -> dpu.add, each side with its own zero point and multiplier
//   on a shared shift;
// - mul by a scalar constant -> dpu.rescale (only the scale changes, no second operand);
// - mul of two activations -> dpu.mul.
// (sub and negative factors are covered by signed-multipliers.mlir.)

// CHECK-LABEL: func.func @main(%arg0: tensor<1x2x2x8xi8>, %arg1: tensor<1x2x2x8xi8>)
// CHECK-SAME:    convc.input_zps = array<i64: [[Z0:-?[0-9]+]], [[Z1:-?[0-9]+]]>
// CHECK:         %[[ADD:.*]] = "dpu.add"(%arg0, %arg1)
// CHECK-SAME:      lhs_mult = {{[0-9]+}} : i64, lhs_zp = [[Z0]] : i64
// CHECK-SAME:      rhs_mult = {{[0-9]+}} : i64, rhs_zp = [[Z1]] : i64
// CHECK-SAME:      (tensor<1x2x2x8xi8>, tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8>
// CHECK:         %[[RS:.*]] = "dpu.rescale"(%[[ADD]])
// CHECK-SAME:      mult = {{[0-9]+}} : i64
// CHECK-SAME:      (tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8>
// CHECK:         %[[MUL:.*]] = "dpu.mul"(%[[RS]], %arg0)
// CHECK-SAME:      lhs_zp = {{-?[0-9]+}} : i64, mult = {{[0-9]+}} : i64
// CHECK-SAME:      rhs_zp = [[Z0]] : i64
// CHECK:         return %[[MUL]]
// CHECK-NOT:     tosa.
func.func @main(%arg0: tensor<1x2x2x8xf32>, %arg1: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.add %arg0, %arg1 : (tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> loc("residual")
  %1 = tosa.mul %0, %half, %sh : (tensor<1x2x2x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x2x2x8xf32> loc("halve")
  %2 = tosa.mul %1, %arg0, %sh : (tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1xi8>) -> tensor<1x2x2x8xf32> loc("gate")
  return %2 : tensor<1x2x2x8xf32>
}
