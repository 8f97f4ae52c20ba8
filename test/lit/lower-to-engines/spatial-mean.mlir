// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// ReduceMean over H and W (reduce_sum axis 2, reduce_sum axis 3, mul by 1/(H*W)) of an NCHW
// map: a transpose to NHWC and one average pool whose window is the whole 6x4 map, viewed back
// as [1, 8, 1, 1]. Nothing of the chain is left.

// CHECK-LABEL: func.func @main
// CHECK:         %[[T:.*]] = "dpu.transpose"(%arg0) {perms = array<i64: 0, 2, 3, 1>} : (tensor<1x8x6x4xi8>) -> tensor<1x6x4x8xi8>
// CHECK:         %[[P:.*]] = "dpu.avgpool"(%[[T]])
// CHECK-SAME:      kernel = array<i64: 6, 4>
// CHECK-SAME:      (tensor<1x6x4x8xi8>) -> tensor<1x1x1x8xi8>
// CHECK:         %[[R:.*]] = "dpu.reshape"(%[[P]]) : (tensor<1x1x1x8xi8>) -> tensor<1x8x1x1xi8>
// CHECK-NOT:     dpu.mul
// CHECK:         return %[[R]]
func.func @main(%arg0: tensor<1x8x6x4xf32>) -> tensor<1x8x1x1xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %k = "tosa.const"() <{values = dense<0.041666668> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 2 : i32} : (tensor<1x8x6x4xf32>) -> tensor<1x8x1x4xf32> loc("mean")
  %1 = tosa.reduce_sum %0 {axis = 3 : i32} : (tensor<1x8x1x4xf32>) -> tensor<1x8x1x1xf32> loc("mean")
  %2 = tosa.mul %1, %k, %shift : (tensor<1x8x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x8x1x1xf32> loc("mean")
  return %2 : tensor<1x8x1x1xf32>
}
