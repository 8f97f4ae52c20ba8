// RUN: convc-opt %s --pass convc-fold-pad | FileCheck %s

// A zero Pad before an average pool without padding of its own becomes the pool's padding,
// marked convc.count_include_pad (the Pad's zeros are elements of the mean); a -inf Pad
// before a max pool becomes its padding (padding never wins a maximum).

// CHECK-LABEL: func.func @main
// CHECK:         %[[A:.*]] = tosa.avg_pool2d %arg0
// CHECK-SAME:      convc.count_include_pad
// CHECK-SAME:      pad = array<i64: 1, 0, 0, 1>
// CHECK:         %[[M:.*]] = tosa.max_pool2d %arg0
// CHECK-SAME:      pad = array<i64: 0, 1, 0, 1>
// CHECK-NOT:     tosa.pad
func.func @main(%arg0: tensor<1x8x8x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %ninf = "tosa.const"() <{values = dense<0xFF800000> : tensor<1xf32>}> : () -> tensor<1xf32>
  %pa = tosa.const_shape {values = dense<[0, 0, 1, 0, 0, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %pm = tosa.const_shape {values = dense<[0, 0, 0, 1, 0, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %0 = tosa.pad %arg0, %pa, %z : (tensor<1x8x8x4xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x9x9x4xf32> loc("pad_a")
  %1 = tosa.avg_pool2d %0, %z, %z {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x9x9x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("avg")
  %2 = tosa.pad %arg0, %pm, %ninf : (tensor<1x8x8x4xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x9x9x4xf32> loc("pad_m")
  %3 = tosa.max_pool2d %2 {kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x9x9x4xf32>) -> tensor<1x4x4x4xf32> loc("max")
  return %1, %3 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}
