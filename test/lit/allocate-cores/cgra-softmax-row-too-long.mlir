// RUN: not convc-opt %s --target %S/../Inputs/cgra.toml --annotations %S/cgra-softmax-row-too-long.cva --pass convc-allocate-cores 2>&1 | FileCheck %s

// A softmax over rows of 20000 codes: the sum of a row's exponentials (each up to 2^16) can
// pass 2^30, and the CGRA's divider works on 32-bit words, so the virtual cores refuse the op
// and the `place` rule that asks for it cannot be honoured.

// CHECK: error: {{.*}}cgra-softmax-row-too-long.cva:2:1: place rule cannot be honoured: {{.*}}a row of 20000 sums exponentials beyond 2^30
func.func @main(%arg0: tensor<1x20000xi8>) -> tensor<1x20000xi8> {
  %t = arith.constant dense<65536> : tensor<256xi32>
  %0 = "dpu.softmax"(%arg0, %t) {clamp_max = 127 : i64, clamp_min = -128 : i64, mult = 1073741824 : i64, out_scale = 0.00390625 : f64, out_zp = -128 : i64, shift = 22 : i64} : (tensor<1x20000xi8>, tensor<256xi32>) -> tensor<1x20000xi8> loc("sm")
  return %0 : tensor<1x20000xi8>
}
