// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// The imc/dpu verifiers run when convc-opt parses its input: an invalid op (this reshape
// changes the element count, 32 -> 24) makes convc-opt fail with an `error:` line and exit 1,
// without a Python traceback. (The exact messages are checked by the other files here.)

// CHECK: error:
// CHECK-NOT: Traceback
func.func @main(%arg0: tensor<1x2x2x8xi8>) -> tensor<1x24xi8> {
  %0 = "dpu.reshape"(%arg0) : (tensor<1x2x2x8xi8>) -> tensor<1x24xi8> loc("flatten")
  return %0 : tensor<1x24xi8>
}
