// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-tile | FileCheck %s

// acc = acc * x + 1 carries acc from one iteration to the next through a two-cycle multiply
// and a one-cycle add: the cycle needs 3 cycles per iteration, so RecMII = 3 although the
// units would allow II 1 (ResMII 1: one multiply, one add, two memory operations on two
// LSUs). The scheduler achieves II = RecMII = 3.

// CHECK: "cgra.kernel"
// CHECK: convc.cgra_schedule = array<i64: 3, 1, 3,
func.func @main(%arg0: tensor<64xi8>) -> tensor<64xi32> {
  %0 = "cgra.kernel"(%arg0) ({
  ^bb0(%acc: i32):
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %p = "cgra.mul"(%acc, %x) {fn = "mul"} : (i32, i32) -> i32
    %c1 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %s = "cgra.alu"(%p, %c1) {fn = "add"} : (i32, i32) -> i32
    "cgra.store"(%s) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 1 : i64, stride = 1 : i64, width = 4 : i64} : (i32) -> ()
    "cgra.yield"(%s) : (i32) -> ()
  }) {convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, kernel_name = "horner", inits = array<i64: 1>, inner = 64 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<64xi8>) -> tensor<64xi32> loc("horner")
  return %0 : tensor<64xi32>
}
