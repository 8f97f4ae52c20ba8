// RUN: not convc-opt %s --target %S/../Inputs/cgra.toml --pass convc-tile 2>&1 | FileCheck %s

// A kernel with a multiply placed on the virtual core that has no multiplier cannot be
// scheduled at any II: one error line names the node, the core and the missing unit.

// CHECK: error: node 'scale' ({{.*}}cgra.kernel{{.*}}) on core 1: kernel scale needs a mul unit; the virtual core has none
func.func @main(%arg0: tensor<64xi8>) -> tensor<64xi8> {
  %0 = "cgra.kernel"(%arg0) ({
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %c3 = "cgra.imm"() {value = 3 : i64} : () -> i32
    %p = "cgra.mul"(%x, %c3) {fn = "mul"} : (i32, i32) -> i32
    "cgra.store"(%p) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 1 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {convc.core = 1 : i64, convc.engine = "cgra", convc.id = 0 : i64, kernel_name = "scale", inits = array<i64>, inner = 64 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<64xi8>) -> tensor<64xi8> loc("scale")
  return %0 : tensor<64xi8>
}
