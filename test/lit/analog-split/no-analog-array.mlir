// RUN: convc-opt %s --target %S/../Inputs/one_core.toml --pass convc-analog-split | FileCheck %s

// A target without an analog array: the pass measures nothing and proposes nothing; the
// convolution keeps its int8 path.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     convc.analog_sensitivity
// CHECK-NOT:     convc.proposed_weights
// CHECK:         tosa.conv2d
// CHECK-NOT:     convc.analog_sensitivity
// CHECK-NOT:     convc.proposed_weights
// CHECK:         return
func.func @main(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv")
  return %0 : tensor<1x4x4x4xf32>
}
