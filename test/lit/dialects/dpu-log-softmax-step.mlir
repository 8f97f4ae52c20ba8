// RUN: not convc-opt %s 2>&1 | FileCheck %s

// The step (2^16 * s_in, the input's scale in the log's units) times d (up to 255) times the
// multiplier must stay below 2^62: a step of 2^22 or more is refused.

// CHECK: error: {{.*}}dpu.log_softmax{{.*}}log_softmax needs mult > 0, step in [0, 2^22)
func.func @main(%arg0: tensor<2x8xi8>) -> tensor<2x8xi8> {
  %t = arith.constant dense<1> : tensor<512xi32>
  %0 = "dpu.log_softmax"(%arg0, %t) {step = 4194304 : i64, mult = 1073741824 : i64, shift = 42 : i64, out_zp = 127 : i64, out_scale = 0.05 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<2x8xi8>, tensor<512xi32>) -> tensor<2x8xi8>
  return %0 : tensor<2x8xi8>
}
