// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-materialize-kernels | FileCheck %s

// A requantizing add on a CGRA virtual core: one element per iteration, the DPU's 64-bit
// arithmetic on 32-bit units. Each operand's product with its multiplier is a MULH/MUL pair,
// the pairs are added with the carry from an unsigned compare (ltu), the rounding constant
// 2^(31-1) is added the same way, a funnel shift by 31 brings the sum back to one word, then
// the zero point and the clamp. The rhs of 2 elements is broadcast (period 2).

// CHECK: "cgra.kernel"(%arg0, %arg1)
// CHECK: "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64
// CHECK: "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 2 : i64, port = 1 : i64
// CHECK: "cgra.mul"({{.*}}) {fn = "mulh"
// CHECK: "cgra.mul"({{.*}}) {fn = "mul"
// CHECK: "cgra.alu"({{.*}}) {fn = "ltu"
// CHECK: "cgra.imm"() {value = 1073741824 : i64}
// CHECK: "cgra.alu"({{.*}}) {fn = "shl"
// CHECK: "cgra.alu"({{.*}}) {fn = "shr"
// CHECK: "cgra.alu"({{.*}}) {fn = "or"
// CHECK: "cgra.alu"({{.*}}) {fn = "max"
// CHECK: "cgra.alu"({{.*}}) {fn = "min"
// CHECK: "cgra.store"
// CHECK: kernel_name = "add"{{.*}}outer = 1 : i64} : (tensor<1x8xi8>, tensor<1x2xi8>) -> tensor<1x8xi8>
// CHECK-NOT: "dpu.add"
func.func @main(%arg0: tensor<1x8xi8>, %arg1: tensor<1x2xi8>) -> tensor<1x8xi8> {
  %0 = "dpu.add"(%arg0, %arg1) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 3 : i64, out_scale = 0.1 : f64, out_zp = -2 : i64, rhs_mult = 1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<1x8xi8>, tensor<1x2xi8>) -> tensor<1x8xi8> loc("add")
  return %0 : tensor<1x8xi8>
}
