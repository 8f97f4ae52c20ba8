// RUN: convc-opt %s --pass convc-fold-pad | FileCheck %s

// torch-mlir pads in NCHW between a transpose back from NHWC and one to it again (here an
// asymmetric "same" pad for a stride-2 conv). The pad moves below the second transpose
// (amounts permuted to NHWC), the two transposes cancel, and the pad becomes the conv's own
// [top, bottom, left, right] padding: nothing is left but the convolutions.

// CHECK-LABEL: func.func @main
// CHECK:         %[[C1:.*]] = tosa.conv2d %arg0
// CHECK-NOT:     tosa.transpose
// CHECK-NOT:     tosa.pad
// CHECK:         %[[C2:.*]] = tosa.conv2d %[[C1]]
// CHECK-SAME:      pad = array<i64: 1, 2, 0, 1>
// CHECK-SAME:      stride = array<i64: 2, 2>
// CHECK:         return %[[C2]]
func.func @main(%arg0: tensor<1x8x8x4xf32>) -> tensor<1x5x4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<4x3x3x4xf32>}> : () -> tensor<4x3x3x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %pads = tosa.const_shape {values = dense<[0, 0, 0, 0, 1, 2, 0, 1]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32> loc("c1")
  %1 = tosa.transpose %0 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %2 = tosa.pad %1, %pads, %z : (tensor<1x4x8x8xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x4x11x9xf32> loc("pad")
  %3 = tosa.transpose %2 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x4x11x9xf32>) -> tensor<1x11x9x4xf32>
  %4 = tosa.conv2d %3, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x11x9x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x4x4xf32> loc("c2")
  return %4 : tensor<1x5x4x4xf32>
}
