// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// tosa.resize -> dpu.resize with TOSA's integer scale and offset kept as they are.
// Nearest copies codes: it keeps its input's quantization (out_zp = input zp) and needs no
// multiplier. Bilinear sums the 4 neighbours with weights totalling 4 * 4 = 16 and divides
// inside the requantization: its shift carries the 1/16.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.input_zps = array<i64: [[IZ:-?[0-9]+]]>
// CHECK:         %[[N:.*]] = "dpu.resize"(%arg0)
// CHECK-SAME:      bilinear = 0 : i64
// CHECK-SAME:      mult = 0 : i64, offset = array<i64: -2, -2>, out_scale = {{.*}}, out_zp = [[IZ]] : i64, scale = array<i64: 4, 2, 4, 2>
// CHECK-SAME:      (tensor<1x3x4x8xi8>) -> tensor<1x6x8x8xi8>
// CHECK:         %[[B:.*]] = "dpu.resize"(%arg0)
// CHECK-SAME:      bilinear = 1 : i64
// CHECK-SAME:      offset = array<i64: -1, -1>
// CHECK-SAME:      scale = array<i64: 4, 2, 4, 2>, shift = {{[0-9]+}} : i64
// CHECK-SAME:      (tensor<1x3x4x8xi8>) -> tensor<1x6x8x8xi8>
// CHECK:         return %[[N]], %[[B]]
func.func @main(%arg0: tensor<1x3x4x8xf32>) -> (tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>) {
  %scale = tosa.const_shape {values = dense<[4, 2, 4, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %nearest_offset = tosa.const_shape {values = dense<-2> : tensor<2xindex>} : () -> !tosa.shape<2>
  %nearest_border = tosa.const_shape {values = dense<0> : tensor<2xindex>} : () -> !tosa.shape<2>
  %offset = tosa.const_shape {values = dense<-1> : tensor<2xindex>} : () -> !tosa.shape<2>
  %border = tosa.const_shape {values = dense<1> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.resize %arg0, %scale, %nearest_offset, %nearest_border {mode = NEAREST_NEIGHBOR} : (tensor<1x3x4x8xf32>, !tosa.shape<4>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<1x6x8x8xf32> loc("up_nearest")
  %1 = tosa.resize %arg0, %scale, %offset, %border {mode = BILINEAR} : (tensor<1x3x4x8xf32>, !tosa.shape<4>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<1x6x8x8xf32> loc("up_bilinear")
  return %0, %1 : tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>
}
