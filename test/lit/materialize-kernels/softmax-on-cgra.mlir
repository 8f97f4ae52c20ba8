// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-materialize-kernels | FileCheck %s

// A softmax that allocation gave to a CGRA virtual core becomes a chain of three kernels, each
// a loop over rows (outer = 3) and the row (inner = 8), passing int32 records between them:
// the row maxima, then each row's exponentials with their sum after them (8 + 1 words per
// row), then the divisions. The chain's kernels keep the op's decisions; the ops are numbered
// again (the add after it becomes layer 3).

// CHECK: %[[MAX:.*]] = "cgra.kernel"(%arg0)
// CHECK: "cgra.alu"(%{{.*}}, %{{.*}}) {fn = "max"
// CHECK: "cgra.store"({{.*}}) {last = 1 : i64, offset = 0 : i64, outer_stride = 1 : i64, port = 1 : i64, stride = 0 : i64, width = 4 : i64}
// CHECK: "cgra.yield"
// CHECK: convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, inits = array<i64: -128>, inner = 8 : i64, kernel_name = "softmax_max", {{.*}}outer = 3 : i64} : (tensor<3x8xi8>) -> tensor<3xi32>
// CHECK: %[[EXP:.*]] = "cgra.kernel"(%arg0, %[[MAX]], %{{.*}})
// CHECK: "cgra.gather"({{.*}}) {port = 2 : i64, width = 4 : i64}
// CHECK: "cgra.store"({{.*}}) {last = 1 : i64, offset = 8 : i64, outer_stride = 9 : i64, port = 3 : i64
// CHECK: kernel_name = "softmax_sum", {{.*}}outer = 3 : i64} : (tensor<3x8xi8>, tensor<3xi32>, tensor<256xi32>) -> tensor<3x9xi32>
// CHECK: "cgra.kernel"(%[[EXP]])
// CHECK: "cgra.mul"({{.*}}) {fn = "mulh"
// CHECK: "cgra.alu"({{.*}}) {fn = "select"
// CHECK: kernel_name = "softmax_div", {{.*}}outer = 3 : i64} : (tensor<3x9xi32>) -> tensor<3x8xi8>
// CHECK-NOT: "dpu.softmax"
// CHECK: "dpu.add"({{.*}}convc.id = 3 : i64
func.func @main(%arg0: tensor<3x8xi8>) -> tensor<3x8xi8> {
  %t = arith.constant dense<65536> : tensor<256xi32>
  %0 = "dpu.softmax"(%arg0, %t) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, mult = 1073741824 : i64, out_scale = 0.00390625 : f64, out_zp = -128 : i64, shift = 22 : i64} : (tensor<3x8xi8>, tensor<256xi32>) -> tensor<3x8xi8> loc("sm")
  %1 = "dpu.add"(%0, %0) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.core = 2 : i64, convc.engine = "dpu", convc.id = 1 : i64, lhs_mult = 1073741824 : i64, lhs_zp = 0 : i64, out_scale = 0.1 : f64, out_zp = 0 : i64, rhs_mult = 1073741824 : i64, rhs_zp = 0 : i64, shift = 31 : i64} : (tensor<3x8xi8>, tensor<3x8xi8>) -> tensor<3x8xi8> loc("add")
  return %1 : tensor<3x8xi8>
}
