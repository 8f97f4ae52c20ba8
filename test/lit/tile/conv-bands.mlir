// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/small_l1.toml | FileCheck %s

// A 32x32x8 -> 32x32x8 conv on an 8 KiB L1: its input and output maps (8 KiB each) cannot sit
// in L1, so it runs in bands of output rows (spatial tiling): each band holds the input rows
// its 3x3 windows read (band + 2 halo rows), its patches, accumulators and output rows.

// CHECK: "imc.conv2d"
// CHECK-SAME: convc.band_rows = [[B:[0-9]+]] : i64
// CHECK-SAME: convc.tile_cols = 8 : i64
// CHECK-SAME: convc.tile_rows = 72 : i64
func.func @main(%arg0: tensor<1x32x32x8xf32>) -> tensor<1x32x32x8xf32> {
  %w = "tosa.const"() <{values = dense<0.1> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x32x32x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x32x32x8xf32> loc("conv")
  return %0 : tensor<1x32x32x8xf32>
}
