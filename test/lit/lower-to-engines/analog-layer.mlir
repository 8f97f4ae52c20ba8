// RUN: convc-opt %s --target %S/../Inputs/analog.toml --pass convc-analog-split --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A ReLU'd map feeding a convolution the analog split proposed (its weights are ternary-ready):
// the lowering requantizes the input into unsigned 7-bit DAC codes (one dpu.rescale: zero point
// 0, clamp [0, 127]), and the convolution reads them with in_zp 0, ternary weights (codes -1, 0,
// +1) and the DAC and ADC ranges of the target's analog array recorded on it. The first
// convolution, sensitive to ternary weights, stays int8 and reads the raw input.

// CHECK-LABEL: func.func @main
// CHECK:         %[[C0:.*]] = "imc.conv2d"(%arg0
// CHECK-NOT:       convc.dac_range
// CHECK-SAME:      -> tensor<1x4x4x4xi8>
// CHECK:         %[[D:.*]] = "dpu.rescale"(%[[C0]]) {clamp_max = 127 : i64, clamp_min = 0 : i64
// CHECK-SAME:      out_zp = 0 : i64
// CHECK:         "imc.conv2d"(%[[D]]
// CHECK-SAME:      convc.adc_range = array<i64: -32, 31>
// CHECK-SAME:      convc.analog_sensitivity =
// CHECK-SAME:      convc.dac_range = array<i64: 0, 127>
// CHECK-SAME:      convc.source.precision = "convc-analog-split"
// CHECK-SAME:      convc.weight_precision = "ternary"
// CHECK-SAME:      in_zp = 0 : i64
func.func @main(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<[[[[0.9, 0.05, -0.3, 0.02]]], [[[0.04, -0.8, 0.1, 0.6]]], [[[0.3, 0.02, 0.95, -0.07]]], [[[-0.6, 0.15, 0.01, 0.4]]]]> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %wb = "tosa.const"() <{values = dense<[[[[0.5, 0.0, -0.5, 0.5]]], [[[0.0, 0.5, 0.5, 0.0]]], [[[-0.5, -0.5, 0.0, 0.5]]], [[[0.5, 0.5, 0.5, 0.5]]]]> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("spread")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu")
  %2 = tosa.conv2d %1, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("ternary_ready")
  return %2 : tensor<1x4x4x4xf32>
}
