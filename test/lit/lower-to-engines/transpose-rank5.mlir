// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// nn.MultiheadAttention's QKV split transposes a rank-5 tensor; the DPU's TRANSPOSE takes at
// most 4 axes. Dropping the unit axes and merging axes that stay neighbours gives the same
// data movement at rank 3, between two views. A transpose that only moves unit axes moves no
// data: a view.

// CHECK-LABEL: func.func @main
// CHECK:         %[[A:.*]] = "dpu.reshape"(%arg0) : (tensor<1x5x1x3x8xi8>) -> tensor<5x3x8xi8>
// CHECK:         %[[B:.*]] = "dpu.transpose"(%[[A]]) {perms = array<i64: 1, 0, 2>} : (tensor<5x3x8xi8>) -> tensor<3x5x8xi8>
// CHECK:         %[[C:.*]] = "dpu.reshape"(%[[B]]) : (tensor<3x5x8xi8>) -> tensor<3x5x1x1x8xi8>
// CHECK:         %[[D:.*]] = "dpu.reshape"(%arg1) : (tensor<1x5x1xi8>) -> tensor<1x1x5xi8>
// CHECK-NOT:     dpu.transpose
// CHECK:         return %[[C]], %[[D]]
func.func @main(%arg0: tensor<1x5x1x3x8xf32>, %arg1: tensor<1x5x1xf32>) -> (tensor<3x5x1x1x8xf32>, tensor<1x1x5xf32>) {
  %0 = tosa.transpose %arg0 {perms = array<i32: 3, 1, 2, 0, 4>} : (tensor<1x5x1x3x8xf32>) -> tensor<3x5x1x1x8xf32> loc("qkv")
  %1 = tosa.transpose %arg1 {perms = array<i32: 0, 2, 1>} : (tensor<1x5x1xf32>) -> tensor<1x1x5xf32> loc("unit")
  return %0, %1 : tensor<3x5x1x1x8xf32>, tensor<1x1x5xf32>
}
