// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// PReLU with a slope per channel: the select's third operand is x times a per-channel
// constant, so its result is not one function of one int8 code for every channel and no
// table can compute it; the comparison feeding it is the first op left without a lowering. The refusal names the node and says what is supported.

// CHECK: error: node 'prelu' (tosa.greater): element-wise greater is supported only inside an activation of one tensor (with uniform constants), computed as a 256-entry table; here it is not (it meets another tensor or a per-channel constant)
func.func @main(%arg0: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %zero = "tosa.const"() <{values = dense<0.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %slope = "tosa.const"() <{values = dense<[[[[0.1, 0.2, 0.3, 0.4]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.mul %arg0, %slope, %sh : (tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x2x2x4xf32> loc("prelu")
  %1 = tosa.greater %arg0, %zero : (tensor<1x2x2x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x2x2x4xi1> loc("prelu")
  %2 = tosa.select %1, %arg0, %0 : (tensor<1x2x2x4xi1>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> loc("prelu")
  return %2 : tensor<1x2x2x4xf32>
}
