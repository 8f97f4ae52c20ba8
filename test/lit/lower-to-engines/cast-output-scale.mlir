// Regression test (bug fixed): lowering treats tosa.cast as a pass-through (its int8 value is the
// producer's), but quantize does not list tosa.cast as transparent: the cast gets its own scale
// (here the full range, because it is returned) while the conv keeps its MSE-clipped scale.
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// The declared output quantization must be the one of the op that writes the output.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.output_scales = [[[S:[0-9.e-]+]]], convc.output_zps = array<i64: [[Z:-?[0-9]+]]>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      out_scale = [[S]] : f64, out_zp = [[Z]] : i64
func.func @main(%arg0: tensor<1x32x32x8xf32>) -> tensor<1x32x32x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x32x32x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x32x32x8xf32> loc("conv")
  %1 = tosa.cast %0 : (tensor<1x32x32x8xf32>) -> tensor<1x32x32x8xf32> loc("cast")
  return %1 : tensor<1x32x32x8xf32>
}
