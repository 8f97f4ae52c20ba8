// Regression test (bug fixed): lowering emits negative multipliers where the math needs them: `x
// - y` and `c - x` become dpu.add with a negative rhs/lhs multiplier, and a multiply by a
// negative scalar becomes dpu.rescale with a negative mult (quant_math.multiplier() returns
// signed values). The subtrahend constant differs per channel, so `c - x` and the negation are
// no function of one code (a table, see unary-silu.mlir) and lower op by op.
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK:         %[[SUB:.*]] = "dpu.add"(%arg0, %arg1)
// CHECK-SAME:      lhs_mult = {{[0-9]+}} : i64
// CHECK-SAME:      rhs_mult = -{{[0-9]+}} : i64
// CHECK:         %[[RSUB:.*]] = "dpu.add"(%[[SUB]], %{{[a-z0-9_]+}})
// CHECK-SAME:      lhs_mult = -{{[0-9]+}} : i64
// CHECK-SAME:      rhs_mult = {{[0-9]+}} : i64
// CHECK:         %[[NEG:.*]] = "dpu.rescale"(%[[RSUB]])
// CHECK-SAME:      mult = -{{[0-9]+}} : i64
// CHECK:         return %[[NEG]]
func.func @main(%arg0: tensor<1x2x2x8xf32>, %arg1: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %one = "tosa.const"() <{values = dense<[[[[1.0, 1.5, 2.0, 2.5, 1.0, 1.5, 2.0, 2.5]]]]> : tensor<1x1x1x8xf32>}> : () -> tensor<1x1x1x8xf32>
  %m = "tosa.const"() <{values = dense<-1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.sub %arg0, %arg1 : (tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> loc("diff")
  %1 = tosa.sub %one, %0 : (tensor<1x1x1x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> loc("one_minus")
  %2 = tosa.mul %1, %m, %sh : (tensor<1x2x2x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x2x2x8xf32> loc("negate")
  return %2 : tensor<1x2x2x8xf32>
}
