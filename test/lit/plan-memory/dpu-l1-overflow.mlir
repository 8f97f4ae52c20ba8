// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --target %S/../Inputs/tiny_l1.toml | FileCheck %s

// A max pool whose input (8*8*64 = 4096 B) and output (1024 B) cannot sit in tiny_l1's 4 KiB
// L1 together runs in bands of output rows (two at a time); the memory plan lays out one band.

// CHECK: "dpu.maxpool"
// CHECK-SAME: convc.band_rows = [[B:[0-9]+]] : i64
// CHECK-SAME: convc.out_addr =
func.func @main(%arg0: tensor<1x8x8x64xf32>) -> tensor<1x4x4x64xf32> {
  %0 = tosa.max_pool2d %arg0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x64xf32>) -> tensor<1x4x4x64xf32> loc("pool")
  return %0 : tensor<1x4x4x64xf32>
}
