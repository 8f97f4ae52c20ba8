// RUN: not convc-opt %s 2>&1 | FileCheck %s

// TOSA bounds a resize's scale: 0 < scale_n <= 2048 and 0 < scale_d < 16 * scale_n. A zero
// denominator would make every output pixel read the same input position.

// CHECK: error: {{.*}}dpu.resize{{.*}}resize scale [4, 0, 4, 2] / offset [0, 0] outside TOSA's limits
func.func @main(%arg0: tensor<1x3x4x8xi8>) -> tensor<1x6x8x8xi8> {
  %0 = "dpu.resize"(%arg0) {bilinear = 0 : i64, scale = array<i64: 4, 0, 4, 2>, offset = array<i64: 0, 0>, in_zp = 0 : i64, mult = 0 : i64, shift = 1 : i64, out_zp = 0 : i64, out_scale = 0.1 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<1x3x4x8xi8>) -> tensor<1x6x8x8xi8>
  return %0 : tensor<1x6x8x8xi8>
}
