// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A channel group of an NHWC map (a Split, or the groups of a grouped convolution) is not
// one byte range: it becomes a dpu.extract, a strided copy. A slice of rows and channels at
// once is two single-axis slices: the rows a view, then the channels a copy.

// CHECK-LABEL: func.func @main
// CHECK:         %[[G:.*]] = "dpu.extract"(%arg0) {axis = 3 : i64, start = 3 : i64} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x5xi8>
// CHECK:         %[[R:.*]] = "dpu.slice"(%arg0) {axis = 1 : i64, start = 1 : i64} : (tensor<1x4x4x8xi8>) -> tensor<1x2x4x8xi8>
// CHECK:         %[[RC:.*]] = "dpu.extract"(%[[R]]) {axis = 3 : i64, start = 2 : i64} : (tensor<1x2x4x8xi8>) -> tensor<1x2x4x4xi8>
// CHECK:         return %[[G]], %[[RC]]
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x5xf32>, tensor<1x2x4x4xf32>) {
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 3]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %z0 = tosa.const_shape {values = dense<[1, 4, 4, 5]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 1, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %z1 = tosa.const_shape {values = dense<[1, 2, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.slice %arg0, %s0, %z0 : (tensor<1x4x4x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x5xf32> loc("split")
  %1 = tosa.slice %arg0, %s1, %z1 : (tensor<1x4x4x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x2x4x4xf32> loc("crop")
  return %0, %1 : tensor<1x4x4x5xf32>, tensor<1x2x4x4xf32>
}
