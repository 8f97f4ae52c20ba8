// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/latency.cva 2>&1 >/dev/null | FileCheck %s --check-prefix=LATENCY
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/layer-latency.cva 2>&1 >/dev/null | FileCheck %s --check-prefix=LAYER
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/memory.cva 2>&1 >/dev/null | FileCheck %s --check-prefix=MEMORY
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/never-in-dram.cva 2>&1 >/dev/null | FileCheck %s --check-prefix=DRAM
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/never-leaves-core.cva 2>&1 >/dev/null | FileCheck %s --check-prefix=CORE

// The same model against constraints it breaks: each fails with the constraint's
// file:line:col, the offending layer and the measured value. The pool is the network output
// (DRAM, for the host); a place rule takes the conv's reader off core 2.

// LATENCY: error: {{.*}}latency.cva:2:1: constraint violated: end-to-end latency {{[0-9]+}} cycles (estimated) > 100
// LAYER: error: {{.*}}layer-latency.cva:2:1: constraint violated: layer 'conv' (imc.conv2d) takes {{[0-9]+}} cycles (estimated) > 10
// MEMORY: error: {{.*}}memory.cva:2:1: constraint violated: l2 use {{[0-9]+}} bytes > 64
// DRAM: error: {{.*}}never-in-dram.cva:2:1: constraint violated: layer 'pool' (dpu.maxpool) writes its output to DRAM at 0x8
// CORE: error: {{.*}}never-leaves-core.cva:3:1: constraint violated: the output of layer 'conv' (imc.conv2d) is read on core 0 by layer 'pool'

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  %1 = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> loc("pool")
  return %1 : tensor<1x4x4x16xf32>
}
