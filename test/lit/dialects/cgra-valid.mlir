// RUN: convc-opt %s | FileCheck %s

// A table lookup kernel and a row reduction with a recurrence (a block argument fed by
// cgra.yield, initial value from inits) parse, verify and print back.

// CHECK: "cgra.kernel"
// CHECK: "cgra.gather"
// CHECK: kernel_name = "lut"
// CHECK: ^bb0(%{{.*}}: i32):
// CHECK: "cgra.yield"(%{{.*}}) : (i32) -> ()
// CHECK: inits = array<i64: 0>
func.func @main(%arg0: tensor<8xi8>, %t: tensor<256xi8>) -> (tensor<8xi8>, tensor<2xi32>) {
  %0 = "cgra.kernel"(%arg0, %t) ({
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %c = "cgra.imm"() {value = 128 : i64} : () -> i32
    %i = "cgra.alu"(%x, %c) {fn = "add"} : (i32, i32) -> i32
    %v = "cgra.gather"(%i) {port = 1 : i64, width = 1 : i64} : (i32) -> i32
    "cgra.store"(%v) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 2 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {kernel_name = "lut", inits = array<i64>, inner = 8 : i64, operandSegmentSizes = array<i32: 1, 1, 0>, outer = 1 : i64} : (tensor<8xi8>, tensor<256xi8>) -> tensor<8xi8>
  %1 = "cgra.kernel"(%arg0) ({
  ^bb0(%acc: i32):
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 4 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    %s = "cgra.alu"(%acc, %x) {fn = "add"} : (i32, i32) -> i32
    "cgra.store"(%s) {last = 1 : i64, offset = 0 : i64, outer_stride = 1 : i64, port = 1 : i64, stride = 0 : i64, width = 4 : i64} : (i32) -> ()
    "cgra.yield"(%s) : (i32) -> ()
  }) {kernel_name = "rowsum", inits = array<i64: 0>, inner = 4 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 2 : i64} : (tensor<8xi8>) -> tensor<2xi32>
  return %0, %1 : tensor<8xi8>, tensor<2xi32>
}
