// Regression test (bug fixed): convc-opt drops the verifier's message for invalid input IR.
// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// Requantization is per output channel: 8 channels need 8 multipliers and 8 shifts.

// CHECK: error: {{.*}}layer1/conv{{.*}}'imc.conv2d': expected 8 per-channel multipliers and shifts, got 7 and 8
func.func @main(%arg0: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  %w = arith.constant dense<1> : tensor<8x3x3x8xi8>
  %b = arith.constant dense<0> : tensor<8xi32>
  %0 = "imc.conv2d"(%arg0, %w, %b) {convc.array_cols = 512 : i64, convc.array_rows = 512 : i64, convc.tile_rows = 72 : i64, convc.tile_cols = 8 : i64, convc.m_block = 16 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 1, 1, 1, 1>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8> loc("layer1/conv")
  return %0 : tensor<1x4x4x8xi8>
}
