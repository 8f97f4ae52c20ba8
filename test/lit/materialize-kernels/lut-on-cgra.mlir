// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-materialize-kernels | FileCheck %s

// A table lookup that allocation gave to a CGRA virtual core becomes a cgra.kernel: one
// element per iteration (inner = 8), load -> add 128 -> gather from the table port -> store,
// keeping the op's decisions. The add on the DPU stays as it is.

// CHECK: "cgra.kernel"(%arg0, %{{.*}})
// CHECK: "cgra.load"
// CHECK: "cgra.imm"() {value = 128 : i64}
// CHECK: "cgra.alu"({{.*}}) {fn = "add"
// CHECK: "cgra.gather"({{.*}}) {{{.*}}port = 1 : i64, width = 1 : i64}
// CHECK: "cgra.store"
// CHECK: convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, inits = array<i64>, inner = 8 : i64, kernel_name = "lut"
// CHECK-NOT: "dpu.lut"
// CHECK: "dpu.add"
func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %t = arith.constant dense<1> : tensor<256xi8>
  %0 = "dpu.lut"(%arg0, %t) {convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, out_scale = 0.1 : f64, out_zp = 0 : i64} : (tensor<1x8xi8>, tensor<256xi8>) -> tensor<1x8xi8> loc("sig")
  %1 = "dpu.add"(%0, %0) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.core = 2 : i64, convc.engine = "dpu", convc.id = 1 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 0 : i64, out_scale = 0.1 : f64, out_zp = 0 : i64, rhs_mult = 1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x8xi8>, tensor<1x8xi8>) -> tensor<1x8xi8> loc("add")
  return %1 : tensor<1x8xi8>
}
