// RUN: convc-opt %s --target %S/../Inputs/analog.toml --pass convc-analog-split | FileCheck %s

// Two 1x1 convolutions on a target with an analog array. The first one's weights are already
// ternary per output channel (0 or +-0.5): ternarizing them changes nothing, only the input's
// rounding to 7-bit DAC codes remains, so its sensitivity is tiny and it is proposed for the
// analog array. The second one's weights spread over a range (0.9 and 0.05 in one channel):
// ternary codes zero the small ones, the network's output moves by more than the budget, so it
// gets its sensitivity but no proposal.

// CHECK-LABEL: func.func @main
// CHECK:         tosa.conv2d
// CHECK-SAME:      convc.analog_sensitivity = [[S1:[0-9.e-]+]] : f64
// CHECK-SAME:      convc.proposed_weights = "ternary"
// CHECK:         tosa.conv2d
// CHECK-SAME:      convc.analog_sensitivity =
// CHECK-NOT:     convc.proposed_weights
func.func @main(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<[[[[0.5, 0.0, -0.5, 0.5]]], [[[0.0, 0.5, 0.5, 0.0]]], [[[-0.5, -0.5, 0.0, 0.5]]], [[[0.5, 0.5, 0.5, 0.5]]]]> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %wb = "tosa.const"() <{values = dense<[[[[0.9, 0.05, -0.3, 0.02]]], [[[0.04, -0.8, 0.1, 0.6]]], [[[0.3, 0.02, 0.95, -0.07]]], [[[-0.6, 0.15, 0.01, 0.4]]]]> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("ternary_ready")
  %1 = tosa.conv2d %0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("spread")
  return %1 : tensor<1x4x4x4xf32>
}
