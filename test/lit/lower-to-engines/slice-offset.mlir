// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// Only crops at the origin become negative pads of the conv. A slice that starts at row 1 is
// a slice of its own: rows 1..4 of a batch-1 NHWC map are one contiguous byte range, so it is
// a view (dpu.slice, no copy) that the conv reads.

// CHECK-LABEL: func.func @main
// CHECK:         %[[V:.*]] = "dpu.slice"(%arg0) {axis = 1 : i64, start = 1 : i64} : (tensor<1x5x5x8xi8>) -> tensor<1x4x5x8xi8>
// CHECK:         "imc.conv2d"(%[[V]]
// CHECK-SAME:      pad = array<i64: 0, 0, 0, 0>
func.func @main(%arg0: tensor<1x5x5x8xf32>) -> tensor<1x4x5x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %start = tosa.const_shape {values = dense<[0, 1, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 4, 5, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.slice %arg0, %start, %size : (tensor<1x5x5x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x5x8xf32> loc("conv/shift_crop")
  %1 = tosa.conv2d %0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x5x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x5x8xf32> loc("conv")
  return %1 : tensor<1x4x5x8xf32>
}
