// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --annotations %S/pack-small-layer.cva | FileCheck %s --check-prefix=RULE
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --annotations %S/pack-rule.cva | FileCheck %s --check-prefix=PACK
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --annotations %S/pack-too-many.cva 2>&1 | FileCheck %s --check-prefix=TOOMANY

// On thetis's 512x512 arrays a 1x1 convolution of 16 -> 16 channels is one 16x16 tile, of
// which up to min(512 / 16, 512 / 16) = 32 copies fit one block-diagonal tile. The cost model
// picks the number: packing p pixels per MVM cuts the 4096 pixels' MVMs p-fold (8 cycles
// each) but the tile holds p*p times the 256 weight bytes, loaded from DRAM at 8 B/cycle:
// p = 8 (512 MVMs, a 16 KiB tile) beats 4 (1024 MVMs) and 16 (a 64 KiB tile). 16 -> 64
// channels allows up to 8 copies and takes 4. A 3x3 convolution of 64 -> 64 channels (576
// rows) spans two row tiles: not packed. A `tile` rule's shape is taken as given: no packing.

// CHECK: "imc.conv2d"
// CHECK-SAME: convc.pack = 8 : i64
// CHECK: "imc.conv2d"
// CHECK-SAME: convc.pack = 4 : i64
// CHECK: "imc.conv2d"
// CHECK-NOT: convc.pack
// CHECK-SAME: convc.tile_rows = 512 : i64

// RULE-NOT: convc.pack

// A `pack` in the rule is taken as given, up to the copies that fit.
// PACK: "imc.conv2d"
// PACK-SAME: convc.pack = 2 : i64
// PACK-SAME: convc.source.tile = "{{.*}}pack-rule.cva:2"
// TOOMANY: error: {{.*}}pack-too-many.cva:2:1: tile rule cannot be honoured: pack 64 needs 64 copies of the layer's 16x16 weights in one 512x512 tile; at most 32 fit

func.func @main(%arg0: tensor<1x64x64x16xf32>) -> tensor<1x64x64x64xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense<0.1> : tensor<16x1x1x16xf32>}> : () -> tensor<16x1x1x16xf32>
  %b1 = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %w0 = "tosa.const"() <{values = dense<0.01> : tensor<64x1x1x16xf32>}> : () -> tensor<64x1x1x16xf32>
  %b0 = "tosa.const"() <{values = dense<0.0> : tensor<64xf32>}> : () -> tensor<64xf32>
  %w2 = "tosa.const"() <{values = dense<0.01> : tensor<64x3x3x64xf32>}> : () -> tensor<64x3x3x64xf32>
  %b2 = "tosa.const"() <{values = dense<0.0> : tensor<64xf32>}> : () -> tensor<64xf32>
  %0 = tosa.conv2d %arg0, %w1, %b1, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x64x64x16xf32>, tensor<16x1x1x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x64x64x16xf32> loc("small")
  %1 = tosa.conv2d %0, %w0, %b0, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x64x64x16xf32>, tensor<64x1x1x16xf32>, tensor<64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x64x64x64xf32> loc("widen")
  %2 = tosa.conv2d %1, %w2, %b2, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x64x64x64xf32>, tensor<64x3x3x64xf32>, tensor<64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x64x64x64xf32> loc("big")
  return %2 : tensor<1x64x64x64xf32>
}
