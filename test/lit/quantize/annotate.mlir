// RUN: convc-opt %s --pass convc-quantize --calib-samples 4 | FileCheck %s

// Every computing op gets an int8 activation annotation (convc.scale f64, convc.zp i64), the
// function gets the parameters of its inputs, and constants stay unannotated.
// The ReLU6 output is returned, so it keeps its full calibrated range; its inputs are always
// above 6 (bias 10), so that range is exactly [0, 6]: scale 6/255, zero point -128.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    attributes {convc.input_scales = [{{[0-9.e-]+}}, {{[0-9.e-]+}}], convc.input_zps = array<i64: {{-?[0-9]+}}, {{-?[0-9]+}}>}
// CHECK-NOT:     convc.scale
// CHECK:         tosa.conv2d
// CHECK-SAME:      convc.scale = {{[0-9.e-]+}} : f64, convc.zp = {{-?[0-9]+}} : i64
// CHECK:         tosa.add
// CHECK-SAME:      {convc.scale = {{[0-9.e-]+}} : f64, convc.zp = {{-?[0-9]+}} : i64}
// CHECK:         tosa.clamp
// CHECK-SAME:      convc.scale = 0.02352941176470588{{[0-9]*}} : f64, convc.zp = -128 : i64
// CHECK:         return
func.func @main(%arg0: tensor<1x4x4x2xf32>, %arg1: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = "tosa.const"() <{values = dense<0.25> : tensor<4x1x1x2xf32>}> : () -> tensor<4x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<10.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv")
  %1 = tosa.add %0, %arg1 : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("residual")
  %2 = tosa.clamp %1 {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu6")
  return %2 : tensor<1x4x4x4xf32>
}
