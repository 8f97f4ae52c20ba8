// RUN: not convc-opt %s 2>&1 | FileCheck %s

// The inner dimensions of a product of two activations must agree.

// CHECK: error: {{.*}}dpu.batch_matmul{{.*}}shapes [1, 4, 8] x [1, 6, 4] -> [1, 4, 4] are not [B, M, K] x [B, K, N] -> [B, M, N]
func.func @main(%arg0: tensor<1x4x8xi8>, %arg1: tensor<1x6x4xi8>) -> tensor<1x4x4xi8> {
  %0 = "dpu.batch_matmul"(%arg0, %arg1) {lhs_zp = 0 : i64, rhs_zp = 0 : i64, mult = 1073741824 : i64, shift = 36 : i64, out_zp = 0 : i64, out_scale = 0.02 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<1x4x8xi8>, tensor<1x6x4xi8>) -> tensor<1x4x4xi8>
  return %0 : tensor<1x4x4xi8>
}
