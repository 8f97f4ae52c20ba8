// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-materialize-kernels | FileCheck %s

// A layer norm on a CGRA virtual core becomes four kernels: the row sums; the sums of
// squares as 64-bit values (two recurrences, high and low word) with the row sum kept beside
// them (3 words per row); the square roots, one row per iteration (outer = 1, inner = 2 rows),
// giving (sum, root) per row; and the normalisation, which reads the gains and offsets as one
// constant the compiler builds (4 gains, then 4 offsets).

// CHECK: %[[SUM:.*]] = "cgra.kernel"(%arg0)
// CHECK: kernel_name = "ln_sum", {{.*}}outer = 2 : i64} : (tensor<2x4xi8>) -> tensor<2xi32>
// CHECK: %[[VAR:.*]] = "cgra.kernel"(%arg0, %[[SUM]])
// CHECK: "cgra.mul"({{.*}}) {fn = "mulh"
// CHECK: "cgra.alu"({{.*}}) {fn = "ltu"
// CHECK: inits = array<i64: 0, 0>, inner = 4 : i64, kernel_name = "ln_var", {{.*}} -> tensor<2x3xi32>
// CHECK: %[[ROOT:.*]] = "cgra.kernel"(%[[VAR]])
// CHECK: inner = 2 : i64, kernel_name = "ln_rsqrt", {{.*}}outer = 1 : i64} : (tensor<2x3xi32>) -> tensor<2x2xi32>
// CHECK: %[[PARAMS:.*]] = arith.constant dense<[3, -5, 7, 9, 1, 0, -2, 4]> : tensor<8xi32>
// CHECK: "cgra.kernel"(%arg0, %[[ROOT]], %[[PARAMS]])
// CHECK: kernel_name = "ln_norm", {{.*}} -> tensor<2x4xi8>
// CHECK-NOT: "dpu.layernorm"
func.func @main(%arg0: tensor<2x4xi8>) -> tensor<2x4xi8> {
  %g = arith.constant dense<[3, -5, 7, 9]> : tensor<4xi32>
  %b = arith.constant dense<[1, 0, -2, 4]> : tensor<4xi32>
  %0 = "dpu.layernorm"(%arg0, %g, %b) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, eps_term = 100 : i64, in_zp = 3 : i64, out_scale = 0.05 : f64, out_zp = 0 : i64, shift = 8 : i64, sqrt_shift = 16 : i64} : (tensor<2x4xi8>, tensor<4xi32>, tensor<4xi32>) -> tensor<2x4xi8> loc("ln")
  return %0 : tensor<2x4xi8>
}
