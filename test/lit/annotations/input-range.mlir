// RUN: convc-opt %s --pass convc-quantize --calib-samples 4 --annotations %S/input-range.cva | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --calib-samples 4 | FileCheck %s --check-prefix=CALIB
// RUN: convc-opt %s --pass convc-quantize --calib-samples 4 --annotations %S/input-range-unknown.cva 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// An input_range opportunity replaces the calibrated range of the input it names: x gets
// scale 8/255 = 0.0313725... and zero point -64 whatever the calibration samples hold; y, which
// no rule names, stays calibrated. Without the file, x is calibrated on the standard-normal
// samples: a different scale and zero point.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.input_scales = [0.031372549019607{{[0-9]*}}, {{[0-9.e-]+}}]
// CHECK-SAME:    convc.input_zps = array<i64: -64, {{-?[0-9]+}}>

// A range for an input the model does not have is reported, and changes nothing.
// UNKNOWN: warning: {{.*}}input-range-unknown.cva:2:1: input_range names 'z', which is not a network input (x, y)
// UNKNOWN-NOT: 0.0313725490196

// CALIB-LABEL: func.func @main
// CALIB-NOT:     0.0313725490196
// CALIB-SAME:    convc.input_scales = [{{[0-9.e-]+}}, {{[0-9.e-]+}}]
// CALIB-NOT:     array<i64: -64,
// CALIB-SAME:    convc.input_zps = array<i64: {{-?[0-9]+}}, {{-?[0-9]+}}>
func.func @main(%arg0: tensor<1x4x4x2xf32> loc("x"), %arg1: tensor<1x4x4x4xf32> loc("y")) -> tensor<1x4x4x4xf32> {
  %w = "tosa.const"() <{values = dense<0.25> : tensor<4x1x1x2xf32>}> : () -> tensor<4x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<1.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv")
  %1 = tosa.add %0, %arg1 : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("residual")
  return %1 : tensor<1x4x4x4xf32>
}
