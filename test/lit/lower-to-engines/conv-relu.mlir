// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// conv2d + ReLU becomes one int8 imc.conv2d on the array: the clamp fuses into the op's
// requantization (clamp_min is the output zero point, i.e. real 0) and no TOSA op is left.
// Weights are quantized symmetrically per output channel: channel 0 [1, -0.5] -> [127, -64],
// channel 1 [0.25, 0.125] -> [127, 64]; each channel gets its own multiplier. The function
// now takes and returns int8 tensors and records the I/O quantization.

// CHECK-LABEL: func.func @main(%arg0: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8>
// CHECK-SAME:    convc.input_zps = array<i64: [[IZP:-?[0-9]+]]>
// CHECK-SAME:    convc.output_scales = [[[OS:[0-9.e-]+]]], convc.output_zps = array<i64: -128>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}127, -64]]], {{\[\[\[}}127, 64]]]]> : tensor<2x1x1x2xi8>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[{{-?[0-9]+}}, {{-?[0-9]+}}]> : tensor<2xi32>
// CHECK:         %[[C:.*]] = "imc.conv2d"(%arg0, %[[W]], %[[B]])
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = -128 : i64
// CHECK-SAME:      in_zp = [[IZP]] : i64
// CHECK-SAME:      mult = array<i32: [[M0:[0-9]+]], [[M1:[0-9]+]]>
// CHECK-SAME:      out_scale = [[OS]] : f64, out_zp = -128 : i64, pad = array<i64: 0, 0, 0, 0>
// CHECK-SAME:      shift = array<i32: {{[0-9]+}}, {{[0-9]+}}>, stride = array<i64: 1, 1>
// CHECK-SAME:      : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) -> tensor<1x4x4x2xi8>
// CHECK-NEXT:    return %[[C]] : tensor<1x4x4x2xi8>
// CHECK-NOT:     tosa.
// CHECK-NOT:     dpu.rescale
func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, -0.5]]], [[[0.25, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  return %1 : tensor<1x4x4x2xf32>
}
