// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// A multiplier computes mul and mulh only; an add belongs to an ALU.

// CHECK: error: {{.*}}cgra.kernel{{.*}}body op 1 (cgra.mul): 'add' is not an operation of this unit
func.func @main(%arg0: tensor<8xi8>) -> tensor<8xi8> {
  %0 = "cgra.kernel"(%arg0) ({
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %s = "cgra.mul"(%x, %x) {fn = "add"} : (i32, i32) -> i32
    "cgra.store"(%s) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 1 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {kernel_name = "k", inits = array<i64>, inner = 8 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<8xi8>) -> tensor<8xi8>
  return %0 : tensor<8xi8>
}
