// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --annotations %S/too-many-cores.cva 2>&1 | FileCheck %s --check-prefix=CORES
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --annotations %S/dpu-only.cva 2>&1 | FileCheck %s --check-prefix=DPU
// RUN: not convc-opt %s --pass convc-quantize --annotations %S/pinned-and-replicated.cva 2>&1 | FileCheck %s --check-prefix=PINNED
// RUN: not convc-opt %s --pass convc-quantize --annotations %S/zero-cores.cva 2>&1 | FileCheck %s --check-prefix=ZERO

// Replicate rules the target cannot honour name their line and why: more copies than thetis
// has cores; a selector that only matches DPU layers (no weights on an array). A rule that
// pins the layer to one core contradicts one that copies it onto two. Zero copies is a
// mistake caught while reading the file.

// CORES: error: {{.*}}too-many-cores.cva:2:1: replicate rule cannot be honoured: thetis has 4 cores, fewer than 8 copies
// DPU: error: {{.*}}dpu-only.cva:2:1: replicate rule cannot be honoured: it selects only DPU layers (e.g. 'pool', dpu.maxpool); only IMC layers have weights to replicate
// PINNED: error: {{.*}}pinned-and-replicated.cva:2:1: contradicts {{.*}}pinned-and-replicated.cva:3:1: pinned to core 1 but replicated on 2 cores
// ZERO: error: {{.*}}zero-cores.cva:2:1: replicate needs at least 1 core, got 0

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  %1 = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> loc("pool")
  return %1 : tensor<1x4x4x16xf32>
}
