// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/small_l1.toml | FileCheck %s

// With an 8 KiB L1, the conv's working set for all M = 64 output pixels (input 1024 B,
// weight tile 2304 B, params 192 B, patches 64*144 B, accumulators 64*16*4 B, output 1024 B)
// does not fit; halving the block gives convc.m_block = 16, the largest that fits (7872 B).
// The array tile is unaffected.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.m_block = 16 : i64
// CHECK-SAME:      convc.tile_cols = 16 : i64, convc.tile_rows = 144 : i64
func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %w = "tosa.const"() <{values = dense<0.1> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  return %0 : tensor<1x8x8x16xf32>
}
