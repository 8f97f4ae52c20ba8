// RUN: not convc-opt %s 2>&1 | FileCheck %s

// A log-softmax reads two int32 tables back to back: the exponential (256 entries), then the
// logarithm of the sum's mantissa (256 entries). The softmax's 256-entry table alone is refused.

// CHECK: error: {{.*}}dpu.log_softmax{{.*}}table has shape [256], not [512]
func.func @main(%arg0: tensor<2x8xi8>) -> tensor<2x8xi8> {
  %t = arith.constant dense<1> : tensor<256xi32>
  %0 = "dpu.log_softmax"(%arg0, %t) {step = 3277 : i64, mult = 1073741824 : i64, shift = 42 : i64, out_zp = 127 : i64, out_scale = 0.05 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<2x8xi8>, tensor<256xi32>) -> tensor<2x8xi8>
  return %0 : tensor<2x8xi8>
}
