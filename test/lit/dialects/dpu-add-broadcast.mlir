// Regression test (bug fixed): convc-opt drops the verifier's message for invalid input IR.
// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// dpu.add repeats its rhs over the lhs (rhs[i % len]); 3 elements do not tile 32.

// CHECK: error: {{.*}}block2/add{{.*}}'dpu.add': rhs of 3 elements cannot broadcast over 32
func.func @main(%arg0: tensor<1x2x2x8xi8>, %arg1: tensor<3xi8>) -> tensor<1x2x2x8xi8> {
  %0 = "dpu.add"(%arg0, %arg1) {clamp_max = 127 : i64, clamp_min = -128 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 0 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, rhs_mult = 1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x2x2x8xi8>, tensor<3xi8>) -> tensor<1x2x2x8xi8> loc("block2/add")
  return %0 : tensor<1x2x2x8xi8>
}
