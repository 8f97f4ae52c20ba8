// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --annotations %S/tile-too-big.cva 2>&1 | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --annotations %S/tile-too-big.cva --relax 2>&1 | FileCheck %s --check-prefix=RELAX

// A tile with more rows than thetis' 512x512 array is rejected; with --relax it is a warning
// and the heuristic tile (the whole 144x16 product) is kept.

// CHECK: error: {{.*}}tile-too-big.cva:2:1: tile rule cannot be honoured: tile 1024x8 does not fit thetis's 512x512 array
// CHECK-NOT: func.func

// RELAX: warning: {{.*}}tile-too-big.cva:2:1: tile rule cannot be honoured: tile 1024x8 does not fit thetis's 512x512 array; using tile 144x16 (--relax)
// RELAX-LABEL: func.func @main
// RELAX:         "imc.conv2d"
// RELAX-SAME:      convc.source.tile = "heuristic"
// RELAX-SAME:      convc.tile_cols = 16 : i64, convc.tile_rows = 144 : i64

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %wb = "tosa.const"() <{values = dense<-0.25> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  %1 = tosa.conv2d %arg0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_b")
  %2 = tosa.add %0, %1 : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("merge")
  return %2 : tensor<1x8x8x16xf32>
}
