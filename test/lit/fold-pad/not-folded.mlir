// RUN: convc-opt %s --pass convc-fold-pad | FileCheck %s
// RUN: not convc-opt %s --pass convc-fold-pad --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s --check-prefix=ERR

// Pads the window ops cannot absorb stay: a non-zero value before a conv (the conv pads with
// zeros), a zero Pad before a max pool (a zero can win the maximum), a Pad of the channels,
// and a zero Pad before an average pool that pads itself (its own padding is not counted in
// the mean, the Pad's is). Lowering then refuses the first one with the node's name.

// CHECK-LABEL: func.func @main
// CHECK:         tosa.pad %arg0, %{{.*}}, %[[ONE:.*]] :
// CHECK:         tosa.conv2d
// CHECK:         %[[PZ:.*]] = tosa.pad %arg0
// CHECK:         tosa.max_pool2d %[[PZ]]
// CHECK:         %[[PC:.*]] = tosa.pad %arg0
// CHECK:         tosa.conv2d %[[PC]]
// CHECK:         tosa.avg_pool2d %[[PZ]]
// CHECK-SAME:      pad = array<i64: 1, 1, 1, 1>

// ERR: error: node 'pad_one' (tosa.pad): padding is supported where it feeds a convolution or pooling
func.func @main(%arg0: tensor<1x8x8x4xf32>) -> (tensor<1x8x8x4xf32>, tensor<1x5x5x4xf32>, tensor<1x8x8x4xf32>, tensor<1x6x6x4xf32>) {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<4x3x3x4xf32>}> : () -> tensor<4x3x3x4xf32>
  %w6 = "tosa.const"() <{values = dense<0.25> : tensor<4x3x3x6xf32>}> : () -> tensor<4x3x3x6xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %hw = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %ch = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 1, 1]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %0 = tosa.pad %arg0, %hw, %one : (tensor<1x8x8x4xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x10x10x4xf32> loc("pad_one")
  %1 = tosa.conv2d %0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x10x10x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32> loc("conv_one")
  %2 = tosa.pad %arg0, %hw, %z : (tensor<1x8x8x4xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x10x10x4xf32> loc("pad_zero")
  %3 = tosa.max_pool2d %2 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x10x10x4xf32>) -> tensor<1x5x5x4xf32> loc("max")
  %4 = tosa.pad %arg0, %ch, %z : (tensor<1x8x8x4xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x10x10x6xf32> loc("pad_ch")
  %5 = tosa.conv2d %4, %w6, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x10x10x6xf32>, tensor<4x3x3x6xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32> loc("conv_ch")
  %6 = tosa.avg_pool2d %2, %z, %z {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x10x10x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x4xf32> loc("avg")
  return %1, %3, %5, %6 : tensor<1x8x8x4xf32>, tensor<1x5x5x4xf32>, tensor<1x8x8x4xf32>, tensor<1x6x6x4xf32>
}
