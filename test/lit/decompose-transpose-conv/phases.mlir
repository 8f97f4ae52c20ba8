// RUN: convc-opt %s --pass convc-decompose-transpose-conv | FileCheck %s

// A 3x3 stride-2 transposed convolution of a 3x3 map (7x7 output) becomes one stride-1
// correlation with 2x2 taps and 2*2 phases x 2 channels = 8 output channels on a 4x4 grid,
// reordered into an 8x8 map (reshape, transpose of the phase and column axes, reshape) and
// cropped to 7x7. Phase 1 of an axis has one tap of the three, so its weights are half zero.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     tosa.transpose_conv2d
// CHECK:         %[[C:.*]] = tosa.conv2d %arg0
// CHECK-SAME:      pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>
// CHECK-SAME:      (tensor<1x3x3x2xf32>, tensor<8x2x2x2xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32>
// CHECK:         %[[B:.*]] = tosa.reshape %[[C]], {{.*}} -> tensor<4x4x2x4xf32>
// CHECK:         %[[T:.*]] = tosa.transpose %[[B]] {perms = array<i32: 0, 2, 1, 3>} : (tensor<4x4x2x4xf32>) -> tensor<4x2x4x4xf32>
// CHECK:         %[[R:.*]] = tosa.reshape %[[T]], {{.*}} -> tensor<1x8x8x2xf32>
// CHECK:         %[[S:.*]] = tosa.slice %[[R]], {{.*}} -> tensor<1x7x7x2xf32>
// CHECK:         return %[[S]]
func.func @main(%arg0: tensor<1x3x3x2xf32>) -> tensor<1x7x7x2xf32> {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<2x3x3x2xf32>}> : () -> tensor<2x3x3x2xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.transpose_conv2d %arg0, %w, %b, %z, %z {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x3x3x2xf32>, tensor<2x3x3x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x7x7x2xf32> loc("up")
  return %0 : tensor<1x7x7x2xf32>
}
