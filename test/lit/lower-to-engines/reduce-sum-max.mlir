// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A sum over the channels of an NCHW map (outer 1, K 8, inner 24): an average pool with an 8x1
// window over the view [1, 8, 1, 24], its multiplier holding the factor K (a sum, not a mean):
// mult / 2^29 = 3.403 = 8 * s_in / s_out with the scales the synthetic calibration gives.
// A max over axes 0 and 2 of [2, 3, 4] is not one run of adjacent axes: two max pools, the
// first over axis 2 (outer 6, K 4, inner 1), the second over axis 0 (outer 1, K 2, inner 3).

// CHECK-LABEL: func.func @main
// CHECK:         "dpu.reshape"(%arg0) : (tensor<1x8x6x4xi8>) -> tensor<1x8x1x24xi8>
// CHECK:         "dpu.avgpool"
// CHECK-SAME:      kernel = array<i64: 8, 1>, mult = 1826924197 : i64
// CHECK-SAME:      shift = 29 : i64
// CHECK-SAME:      (tensor<1x8x1x24xi8>) -> tensor<1x1x1x24xi8>
// CHECK:         "dpu.reshape"(%arg1) : (tensor<2x3x4xi8>) -> tensor<1x24x1x1xi8>
// CHECK:         "dpu.maxpool"
// CHECK-SAME:      kernel = array<i64: 4, 1>
// CHECK-SAME:      (tensor<1x24x1x1xi8>) -> tensor<1x6x1x1xi8>
// CHECK:         "dpu.maxpool"
// CHECK-SAME:      kernel = array<i64: 2, 1>
// CHECK-SAME:      (tensor<1x2x1x3xi8>) -> tensor<1x1x1x3xi8>

func.func @main(%arg0: tensor<1x8x6x4xf32>, %arg1: tensor<2x3x4xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x3x1xf32>) {
  %0 = tosa.reduce_sum %arg0 {axis = 1 : i32} : (tensor<1x8x6x4xf32>) -> tensor<1x1x6x4xf32> loc("channel_sum")
  %1 = tosa.reduce_max %arg1 {axis = 2 : i32} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32> loc("amax")
  %2 = tosa.reduce_max %1 {axis = 0 : i32} : (tensor<2x3x1xf32>) -> tensor<1x3x1xf32> loc("amax")
  return %0, %2 : tensor<1x1x6x4xf32>, tensor<1x3x1xf32>
}
