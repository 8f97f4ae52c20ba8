// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --target %S/../Inputs/tiny_l1.toml 2>&1 | FileCheck %s

// A resize is not tiled: its whole input (4 KiB) and output (16 KiB) must sit in L1. No core
// of tiny_l1 (4 KiB L1s) can run it, and the error says which engine refused and why.

// CHECK: error: node 'up' (dpu.resize): no engine of tiny_l1 can run it (group {{.*}}: dpu: node 'up' (dpu.resize) needs {{[0-9]+}} bytes of L1, but tiny_l1's L1 holds 4096)
func.func @main(%arg0: tensor<1x8x8x64xf32>) -> tensor<1x16x16x64xf32> {
  %scale = tosa.const_shape {values = dense<[4, 2, 4, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %offset = tosa.const_shape {values = dense<-2> : tensor<2xindex>} : () -> !tosa.shape<2>
  %border = tosa.const_shape {values = dense<0> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.resize %arg0, %scale, %offset, %border {mode = NEAREST_NEIGHBOR} : (tensor<1x8x8x64xf32>, !tosa.shape<4>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<1x16x16x64xf32> loc("up")
  return %0 : tensor<1x16x16x64xf32>
}
