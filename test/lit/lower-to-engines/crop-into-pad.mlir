// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// torch-mlir crops H and W with two tosa.slice ops at the origin before a convolution (and a
// pooling op). The crops fold into negative bottom/right pads of the window op, which then
// reads the uncropped tensor; no slice is lowered on its own.

// CHECK-LABEL: func.func @main(%arg0: tensor<1x5x5x8xi8>)
// CHECK:         %[[C:.*]] = "imc.conv2d"(%arg0, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}})
// CHECK-SAME:      pad = array<i64: 1, 0, 1, 0>
// CHECK-SAME:      : (tensor<1x5x5x8xi8>, tensor<8x3x3x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8>
// CHECK:         %[[P:.*]] = "dpu.maxpool"(%[[C]])
// CHECK-SAME:      pad = array<i64: 0, -1, 0, -1>
// CHECK-SAME:      : (tensor<1x4x4x8xi8>) -> tensor<1x1x1x8xi8>
// CHECK:         return %[[P]]
// CHECK-NOT:     slice
func.func @main(%arg0: tensor<1x5x5x8xf32>) -> tensor<1x1x1x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sh = tosa.const_shape {values = dense<[1, 4, 5, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sw = tosa.const_shape {values = dense<[1, 4, 4, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sp = tosa.const_shape {values = dense<[1, 3, 3, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.slice %arg0, %start, %sh : (tensor<1x5x5x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x5x8xf32> loc("conv/crop_h")
  %1 = tosa.slice %0, %start, %sw : (tensor<1x4x5x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x8xf32> loc("conv/crop_w")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("conv")
  %3 = tosa.slice %2, %start, %sp : (tensor<1x4x4x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x3x3x8xf32> loc("pool/crop")
  %4 = tosa.max_pool2d %3 {kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x3x3x8xf32>) -> tensor<1x1x1x8xf32> loc("pool")
  return %4 : tensor<1x1x1x8xf32>
}
