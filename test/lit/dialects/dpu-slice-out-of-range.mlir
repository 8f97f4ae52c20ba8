// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// Rows 6-9 of an 8-row feature map run past its end.

// CHECK: error: {{.*}}'dpu.slice': entries [6, 10) exceed the input's 8 along axis
func.func @main(%arg0: tensor<1x8x4x4xi8>) -> tensor<1x4x4x4xi8> {
  %0 = "dpu.slice"(%arg0) {axis = 1 : i64, start = 6 : i64} : (tensor<1x8x4x4xi8>) -> tensor<1x4x4x4xi8> loc("band")
  return %0 : tensor<1x4x4x4xi8>
}
