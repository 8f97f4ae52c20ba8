// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/small_l1.toml | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --target %S/../Inputs/small_l1.toml | FileCheck %s --check-prefix=MEM

// A 2x2 max pool of 4 images of 16x16x8 (2 KiB each) on an 8 KiB L1: the batch (8 KiB in,
// 2 KiB out) does not fit, one image (2 KiB in, 512 B out) does. The pool runs image by
// image in bands as tall as the whole output map (band_rows = out_h = 8), instead of being
// refused for the batch's working set.

// CHECK: "dpu.maxpool"
// CHECK-SAME: convc.band_rows = 8 : i64
// MEM: "dpu.maxpool"
// MEM-SAME: convc.l1.input
func.func @main(%arg0: tensor<4x16x16x8xf32>) -> tensor<4x8x8x8xf32> {
  %0 = tosa.max_pool2d %arg0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<4x16x16x8xf32>) -> tensor<4x8x8x8xf32> loc("pool")
  return %0 : tensor<4x8x8x8xf32>
}
