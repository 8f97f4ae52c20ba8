// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// tosa.rsqrt can be calibrated (it has a float reference) but no engine computes it on an
// activation: lowering reports the node instead of dropping or miscompiling it.

// CHECK: error: node 'norm/Rsqrt' (tosa.rsqrt) has no lowering to the engines
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.mul %arg0, %arg0, %sh : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1xi8>) -> tensor<1x4x4x8xf32> loc("norm/Square")
  %1 = tosa.add %0, %one : (tensor<1x4x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> loc("norm/AddEps")
  %2 = tosa.rsqrt %1 : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("norm/Rsqrt")
  return %2 : tensor<1x4x4x8xf32>
}
