// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/tiny_l1.toml | FileCheck %s

// With a 4 KiB L1 even one output pixel at a time does not fit with array-sized weight tiles:
// the whole input (1024 B), the 144x16 weight tile (2304 B), params, one patch row, one
// accumulator row and the whole output (1024 B) need 4800 B, and row bands of the maps do not
// help while the tile alone takes 2304 B. Halving the tile to 72 rows (two row tiles that
// accumulate) frees enough for blocks of two pixels.

// CHECK: "imc.conv2d"
// CHECK-SAME: convc.m_block = 2 : i64
// CHECK-SAME: convc.tile_cols = 16 : i64
// CHECK-SAME: convc.tile_rows = 72 : i64
func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %w = "tosa.const"() <{values = dense<0.1> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  return %0 : tensor<1x8x8x16xf32>
}
