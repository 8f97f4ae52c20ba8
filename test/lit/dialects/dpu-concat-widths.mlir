// RUN: convc-opt --verify-only %s 2>&1 | FileCheck %s --allow-empty

// Regression test (bug fixed): dpu.concat joins tensors of different widths (as an IRDL
// variadic it bound every operand to one type), and a hand-written concat needs no
// operandSegmentSizes (convc-opt ended in a traceback without it).

// CHECK-NOT: error
// CHECK-NOT: Traceback
func.func @main(%a: tensor<1x2x2x3xi8>, %b: tensor<1x2x2x5xi8>) -> tensor<1x2x2x8xi8> {
  %0 = "dpu.concat"(%a, %b) {axis = 3 : i64} : (tensor<1x2x2x3xi8>, tensor<1x2x2x5xi8>) -> tensor<1x2x2x8xi8>
  return %0 : tensor<1x2x2x8xi8>
}
