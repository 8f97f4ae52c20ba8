// RUN: not convc-opt %s 2>&1 | FileCheck %s

// A layer norm has one int32 gain and one offset per element of a row.

// CHECK: error: {{.*}}dpu.layernorm{{.*}}gains and offsets must have shape [8]
func.func @main(%arg0: tensor<2x8xi8>) -> tensor<2x8xi8> {
  %g = arith.constant dense<4096> : tensor<4xi32>
  %b = arith.constant dense<0> : tensor<8xi32>
  %0 = "dpu.layernorm"(%arg0, %g, %b) {in_zp = 0 : i64, eps_term = 0 : i64, shift = 12 : i64, sqrt_shift = 8 : i64, out_zp = 0 : i64, out_scale = 0.03 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<2x8xi8>, tensor<4xi32>, tensor<8xi32>) -> tensor<2x8xi8>
  return %0 : tensor<2x8xi8>
}
