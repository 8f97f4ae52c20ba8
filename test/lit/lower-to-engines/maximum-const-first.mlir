// Regression test (bug fixed): _Lowering.activation() assumes the activation operand of
// tosa.maximum/minimum is operand 0 and the scalar constant operand 1 (activation_chain() accepts
// both orders).
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// max(0, x) on a network input is a standalone ReLU: a dpu.rescale of %arg0 whose clamp
// starts at the output zero point.

// CHECK-LABEL: func.func @main
// CHECK:         %[[R:.*]] = "dpu.rescale"(%arg0)
// CHECK-SAME:      clamp_min = -128 : i64
// CHECK-SAME:      out_zp = -128 : i64
// CHECK:         return %[[R]]
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %c = "tosa.const"() <{values = dense<0.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %0 = tosa.maximum %c, %arg0 : (tensor<1x1x1x1xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("relu")
  return %0 : tensor<1x4x4x8xf32>
}
