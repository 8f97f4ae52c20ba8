// RUN: not convc-opt %s --pass convc-quantize 2>&1 | FileCheck %s

// Calibration needs a float reference for every op; an op convc cannot evaluate is reported
// with the ONNX node that produced it, and nothing is printed.

// CHECK: error: node 'head/Sin' (tosa.sin) has no float reference in convc
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("head/Conv")
  %1 = tosa.sin %0 : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("head/Sin")
  return %1 : tensor<1x4x4x8xf32>
}
