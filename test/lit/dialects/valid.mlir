// RUN: convc-opt --verify-only %s
// RUN: convc-opt %s | FileCheck %s

// One well-formed instance of every imc and dpu op passes the verifiers (exit code 0, no
// output with --verify-only) and round-trips through the printer in generic form.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"(%arg0,
// CHECK-SAME:      convc.tile_cols = 8 : i64, convc.tile_rows = 72 : i64
// CHECK:         "dpu.dwconv2d"
// CHECK:         "dpu.add"
// CHECK:         "dpu.mul"
// CHECK:         "dpu.maxpool"
// CHECK:         "dpu.avgpool"
// CHECK:         "dpu.rescale"
// CHECK:         "dpu.transpose"
// CHECK-SAME:      perms = array<i64: 0, 3, 1, 2>
// CHECK:         "dpu.reshape"
// CHECK:         "imc.matmul"
// CHECK:         "dpu.concat"
// CHECK-SAME:      axis = 1 : i64
// CHECK:         return
func.func @main(%arg0: tensor<1x4x4x8xi8>) -> tensor<1x8xi8> {
  %w = arith.constant dense<1> : tensor<8x3x3x8xi8>
  %b = arith.constant dense<0> : tensor<8xi32>
  %0 = "imc.conv2d"(%arg0, %w, %b) {convc.array_cols = 512 : i64, convc.array_rows = 512 : i64, convc.tile_rows = 72 : i64, convc.tile_cols = 8 : i64, convc.m_block = 16 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 1, 1, 1, 1>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8> loc("conv")
  %dw = arith.constant dense<1> : tensor<3x3x8xi8>
  %1 = "dpu.dwconv2d"(%0, %dw, %b) {clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 1, 0, 1, 0>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31>, stride = array<i64: 2, 2>} : (tensor<1x4x4x8xi8>, tensor<3x3x8xi8>, tensor<8xi32>) -> tensor<1x2x2x8xi8> loc("dw")
  %ch = arith.constant dense<3> : tensor<8xi8>
  %2 = "dpu.add"(%1, %ch) {clamp_max = 127 : i64, clamp_min = -128 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 0 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, rhs_mult = 1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x2x2x8xi8>, tensor<8xi8>) -> tensor<1x2x2x8xi8> loc("bias")
  %3 = "dpu.mul"(%2, %1) {clamp_max = 127 : i64, clamp_min = -128 : i64, lhs_zp = 0 : i64, mult = 1073741824 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x2x2x8xi8>, tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> loc("gate")
  %4 = "dpu.maxpool"(%3) {kernel = array<i64: 2, 2>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x8xi8>) -> tensor<1x1x1x8xi8> loc("maxpool")
  %5 = "dpu.avgpool"(%3) {clamp_max = 127 : i64, clamp_min = -128 : i64, count_include_pad = 0 : i64, in_zp = 0 : i64, kernel = array<i64: 2, 2>, mult = 1073741824 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 0, 0, 0, 0>, shift = 30 : i64, stride = array<i64: 2, 2>} : (tensor<1x2x2x8xi8>) -> tensor<1x1x1x8xi8> loc("avgpool")
  %6 = "dpu.rescale"(%5) {clamp_max = 127 : i64, clamp_min = -128 : i64, in_zp = 0 : i64, mult = 1073741824 : i64, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, shift = 30 : i64} : (tensor<1x1x1x8xi8>) -> tensor<1x1x1x8xi8> loc("rescale")
  %7 = "dpu.transpose"(%6) {perms = array<i64: 0, 3, 1, 2>} : (tensor<1x1x1x8xi8>) -> tensor<1x8x1x1xi8> loc("to_nchw")
  %8 = "dpu.reshape"(%7) : (tensor<1x8x1x1xi8>) -> tensor<1x8xi8> loc("flatten")
  %fw = arith.constant dense<1> : tensor<8x4xi8>
  %fb = arith.constant dense<0> : tensor<4xi32>
  %9 = "imc.matmul"(%8, %fw, %fb) {clamp_max = 127 : i64, clamp_min = -128 : i64, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, shift = array<i32: 31, 31, 31, 31>} : (tensor<1x8xi8>, tensor<8x4xi8>, tensor<4xi32>) -> tensor<1x4xi8> loc("fc")
  %10 = "dpu.concat"(%9, %9) {axis = 1 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x8xi8> loc("cat")
  return %10 : tensor<1x8xi8>
}
