// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile | FileCheck %s

// A small layer (M = 16 output pixels, K = 3*3*8 = 72, N = 8) fits the array in one tile
// of exactly K x N and the L1 in one block of all M input vectors: nothing is split.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.m_block = 16 : i64
// CHECK-SAME:      convc.tile_cols = 8 : i64, convc.tile_rows = 72 : i64
// CHECK-NOT:     convc.tile_rows = 512
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("conv1")
  return %0 : tensor<1x4x4x8xf32>
}
