// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// Loads read the operands; stores write the result, the last port.

// CHECK: error: {{.*}}cgra.kernel{{.*}}body op 1 (cgra.store): port 0 is an input: stores go to the result
func.func @main(%arg0: tensor<8xi8>) -> tensor<8xi8> {
  %0 = "cgra.kernel"(%arg0) ({
    %x = "cgra.load"() {offset = 0 : i64, outer_stride = 0 : i64, period = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : () -> i32
    "cgra.store"(%x) {last = 0 : i64, offset = 0 : i64, outer_stride = 0 : i64, port = 0 : i64, stride = 1 : i64, width = 1 : i64} : (i32) -> ()
    "cgra.yield"() : () -> ()
  }) {kernel_name = "k", inits = array<i64>, inner = 8 : i64, operandSegmentSizes = array<i32: 1, 0, 0>, outer = 1 : i64} : (tensor<8xi8>) -> tensor<8xi8>
  return %0 : tensor<8xi8>
}
