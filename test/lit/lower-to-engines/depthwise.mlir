// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// Depthwise convolution (channel multiplier 1) runs on the DPU: weights [kh, kw, C, 1] become
// int8 [kh, kw, C] quantized per channel, and the ReLU6 that follows fuses into the clamp.
// The DPU subtracts the input zero point itself, so the bias is plain rint(b / (s_in * s_w)):
// zero for a zero bias.

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<127> : tensor<3x3x4xi8>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<0> : tensor<4xi32>
// CHECK:         %[[DW:.*]] = "dpu.dwconv2d"(%arg0, %[[W]], %[[B]])
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>
// CHECK-SAME:      out_scale = 0.02352941176470588{{[0-9]*}} : f64, out_zp = -128 : i64, pad = array<i64: 1, 0, 1, 0>
// CHECK-SAME:      stride = array<i64: 2, 2>
// CHECK-SAME:      (tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, tensor<4xi32>) -> tensor<1x3x3x4xi8>
// CHECK-NEXT:    return %[[DW]]
// CHECK-NOT:     imc.
func.func @main(%arg0: tensor<1x6x6x4xf32>) -> tensor<1x3x3x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<2.0> : tensor<3x3x4x1xf32>}> : () -> tensor<3x3x4x1xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = tosa.depthwise_conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x4xf32>, tensor<3x3x4x1xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x4xf32> loc("dw1")
  %1 = tosa.clamp %0 {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> loc("relu6")
  return %1 : tensor<1x3x3x4xf32>
}
