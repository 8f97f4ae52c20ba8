// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// An element-wise op with a float reference but outside any function of one tensor: the
// comparison of two activations (here the start of max(x, y) spelled with a select) has no
// engine that computes it. Lowering reports the node instead of dropping or miscompiling it.
// (A function of one tensor, e.g. rsqrt(x * x + 1), is one table: unary-silu.mlir.)

// CHECK: error: node 'pick/Greater' (tosa.greater): element-wise greater is supported only inside an activation of one tensor
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x4x4x8xf32>, %arg1: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = tosa.greater %arg0, %arg1 : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xi1> loc("pick/Greater")
  %1 = tosa.select %0, %arg0, %arg1 : (tensor<1x4x4x8xi1>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("pick/Where")
  return %1 : tensor<1x4x4x8xf32>
}
