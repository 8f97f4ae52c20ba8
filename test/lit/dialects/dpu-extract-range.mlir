// RUN: not convc-opt %s 2>&1 | FileCheck %s

// An extract reads entries [start, start + size) along its axis; they must exist.

// CHECK: error: {{.*}}dpu.extract{{.*}}entries [6, 10) exceed the input's 8 along axis 3
func.func @main(%arg0: tensor<1x4x4x8xi8>) -> tensor<1x4x4x4xi8> {
  %0 = "dpu.extract"(%arg0) {axis = 3 : i64, start = 6 : i64} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x4xi8>
  return %0 : tensor<1x4x4x4xi8>
}
