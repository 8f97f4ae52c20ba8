// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// ReduceMean over H and W (reduce_sum axis 2, reduce_sum axis 3, mul by 1/(H*W)) of an NCHW
// map: the axes are adjacent, so the map is viewed as [1, 8*24, 1, 1] and one average pool with
// a 24x1 window and stride 24 makes the 8 means, viewed back as [1, 8, 1, 1]. No transpose, and
// nothing of the chain (the mul) is left.

// CHECK-LABEL: func.func @main
// CHECK:         %[[V:.*]] = "dpu.reshape"(%arg0) : (tensor<1x8x6x4xi8>) -> tensor<1x192x1x1xi8>
// CHECK-NOT:     dpu.transpose
// CHECK:         %[[P:.*]] = "dpu.avgpool"(%[[V]])
// CHECK-SAME:      kernel = array<i64: 24, 1>
// CHECK-SAME:      stride = array<i64: 24, 1>
// CHECK-SAME:      (tensor<1x192x1x1xi8>) -> tensor<1x8x1x1xi8>
// CHECK:         %[[R:.*]] = "dpu.reshape"(%[[P]]) : (tensor<1x8x1x1xi8>) -> tensor<1x8x1x1xi8>
// CHECK-NOT:     dpu.mul
// CHECK-NOT:     dpu.lut
// CHECK:         return %[[R]]
func.func @main(%arg0: tensor<1x8x6x4xf32>) -> tensor<1x8x1x1xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %k = "tosa.const"() <{values = dense<0.041666668> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 2 : i32} : (tensor<1x8x6x4xf32>) -> tensor<1x8x1x4xf32> loc("mean")
  %1 = tosa.reduce_sum %0 {axis = 3 : i32} : (tensor<1x8x1x4xf32>) -> tensor<1x8x1x1xf32> loc("mean")
  %2 = tosa.mul %1, %k, %shift : (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x8x1x1xf32> loc("mean")
  return %2 : tensor<1x8x1x1xf32>
}
