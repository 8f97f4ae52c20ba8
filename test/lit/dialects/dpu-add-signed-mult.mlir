// Regression test (bug fixed): check_multiplier() (convc/dialects/verify.py) rejects negative
// multipliers ("rhs multiplier -1073741824 does not fit 31 bits"), but dpu.add / dpu.rescale need
// them: the lowering emits them for tosa.sub and for negative scale factors
// (quant_math.multiplier returns signed values) and the stream's DPU_ADD/DPU_RESCALE mult fields
// are signed i32, which the runtime
// RUN: convc-opt --verify-only %s

// lhs - rhs as a dpu.add: the rhs multiplier is negative; |mult| < 2^31 fits the field.
func.func @main(%arg0: tensor<1x2x2x8xi8>, %arg1: tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> {
  %0 = "dpu.add"(%arg0, %arg1) {clamp_max = 127 : i64, clamp_min = -128 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 0 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, rhs_mult = -1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x2x2x8xi8>, tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> loc("diff")
  %1 = "dpu.rescale"(%0) {clamp_max = 127 : i64, clamp_min = -128 : i64, in_zp = 0 : i64, mult = -1073741824 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, shift = 30 : i64} : (tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> loc("negate")
  return %1 : tensor<1x2x2x8xi8>
}
