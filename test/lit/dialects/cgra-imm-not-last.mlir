// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// The immediate unit supplies one constant per operation, to its last operand.

// CHECK: error: {{.*}}cgra.kernel{{.*}}body op 2 (cgra.alu): an immediate may feed only the last operand
func.func @main(%arg0: tensor<8xi8>) -> tensor<8xi8> {
  %0 = "cgra.kernel"(%arg0) ({
    %c = "cgra.imm"() {value = 3 : i64} : () -> i32
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %s = "cgra.alu"(%c, %x) {fn = "sub"} : (i32, i32) -> i32
    "cgra.store"(%s) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 1 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {kernel_name = "k", inits = array<i64>, inner = 8 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<8xi8>) -> tensor<8xi8>
  return %0 : tensor<8xi8>
}
