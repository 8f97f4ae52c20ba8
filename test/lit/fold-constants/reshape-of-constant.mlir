// Regression test (bug fixed): a tosa.reshape of a constant is not folded: its shape operand
// comes from tosa.const_shape, which irutil.is_constant() does not count as a constant, so
// _foldable() rejects the op.
// RUN: convc-opt %s --pass convc-fold-constants | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-NOT:     tosa.reshape
// CHECK:         %[[C:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]]]]> : tensor<1x1x1x4xf32>}>
// CHECK-NOT:     tosa.reshape
// CHECK:         tosa.add %arg0, %[[C]]
func.func @main(%arg0: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %c = "tosa.const"() <{values = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %s = tosa.const_shape {values = dense<[1, 1, 1, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.reshape %c, %s : (tensor<4xf32>, !tosa.shape<4>) -> tensor<1x1x1x4xf32> loc("bias/reshape")
  %1 = tosa.add %arg0, %0 : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x2x4xf32> loc("bias/add")
  return %1 : tensor<1x2x2x4xf32>
}
