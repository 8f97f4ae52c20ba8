// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// 3 + 5 channels cannot make 9.

// CHECK: error: {{.*}}'dpu.concat': inputs do not add up to the result along the concatenation axis
func.func @main(%a: tensor<1x2x2x3xi8>, %b: tensor<1x2x2x5xi8>) -> tensor<1x2x2x9xi8> {
  %0 = "dpu.concat"(%a, %b) {axis = 3 : i64} : (tensor<1x2x2x3xi8>, tensor<1x2x2x5xi8>) -> tensor<1x2x2x9xi8>
  return %0 : tensor<1x2x2x9xi8>
}
