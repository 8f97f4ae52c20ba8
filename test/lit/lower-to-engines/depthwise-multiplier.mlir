// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// The DPU's depthwise convolution produces one output channel per input channel; a channel
// multiplier of 2 ([kh, kw, C, 2] weights) is refused with the node name.

// CHECK: error: node 'dw_expand' (tosa.depthwise_conv2d): depthwise channel multiplier 2 is not supported
// CHECK-NOT: dpu.dwconv2d
func.func @main(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<3x3x4x2xf32>}> : () -> tensor<3x3x4x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.depthwise_conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x3x4x2xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("dw_expand")
  return %0 : tensor<1x4x4x8xf32>
}
