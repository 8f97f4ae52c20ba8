// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// A log-softmax over the channels of an NCHW map is not over contiguous rows: refused, naming
// the node and the axis.

// CHECK: error: node 'channel_lsm' (tosa.sub): log-softmax over axis 1 of a [1, 4, 3, 3] tensor is not supported (only the innermost axis, whose elements are contiguous rows)
func.func @main(%arg0: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %0 = tosa.reduce_max %arg0 {axis = 1 : i32} : (tensor<1x4x3x3xf32>) -> tensor<1x1x3x3xf32> loc("channel_lsm")
  %1 = tosa.sub %arg0, %0 : (tensor<1x4x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x4x3x3xf32> loc("channel_lsm")
  %2 = tosa.exp %1 : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> loc("channel_lsm")
  %3 = tosa.reduce_sum %2 {axis = 1 : i32} : (tensor<1x4x3x3xf32>) -> tensor<1x1x3x3xf32> loc("channel_lsm")
  %4 = tosa.log %3 : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> loc("channel_lsm")
  %5 = tosa.sub %1, %4 : (tensor<1x4x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x4x3x3xf32> loc("channel_lsm")
  return %5 : tensor<1x4x3x3xf32>
}
