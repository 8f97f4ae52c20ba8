// Regression test (bug fixed): convc-opt drops the verifier's message for invalid input IR.
// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// [0, 1, 1, 2] repeats axis 1 and drops axis 3: not a permutation.

// CHECK: error: {{.*}}head/transpose{{.*}}'dpu.transpose': perms [0, 1, 1, 2] is not a permutation of rank 4 (at most 4)
func.func @main(%arg0: tensor<1x2x2x8xi8>) -> tensor<1x2x2x2xi8> {
  %0 = "dpu.transpose"(%arg0) {perms = array<i64: 0, 1, 1, 2>} : (tensor<1x2x2x8xi8>) -> tensor<1x2x2x2xi8> loc("head/transpose")
  return %0 : tensor<1x2x2x2xi8>
}
