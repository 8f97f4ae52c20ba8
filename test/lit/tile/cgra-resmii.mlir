// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-tile | FileCheck %s

// Five adds per iteration on a virtual core with one ALU: ResMII = 5 (the ALU is busy every
// cycle), RecMII = 1 (no recurrence), and the scheduler reaches II = MII = 5. The schedule is
// [ii, ResMII, RecMII, length, ALUs, MULs, LSUs, then cycle/unit/registers/latency per node].

// CHECK: "cgra.kernel"
// CHECK: convc.cgra_schedule = array<i64: 5, 5, 1, {{[0-9]+}}, 1, 1, 2,
func.func @main(%arg0: tensor<64xi8>) -> tensor<64xi8> {
  %0 = "cgra.kernel"(%arg0) ({
    %c1 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %a = "cgra.alu"(%x, %c1) {fn = "add"} : (i32, i32) -> i32
    %c2 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %b = "cgra.alu"(%a, %c2) {fn = "add"} : (i32, i32) -> i32
    %c3 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %c = "cgra.alu"(%b, %c3) {fn = "add"} : (i32, i32) -> i32
    %c4 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %d = "cgra.alu"(%c, %c4) {fn = "add"} : (i32, i32) -> i32
    %c5 = "cgra.imm"() {value = 1 : i64} : () -> i32
    %e = "cgra.alu"(%d, %c5) {fn = "add"} : (i32, i32) -> i32
    "cgra.store"(%e) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 1 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, kernel_name = "adds", inits = array<i64>, inner = 64 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<64xi8>) -> tensor<64xi8> loc("adds")
  return %0 : tensor<64xi8>
}
