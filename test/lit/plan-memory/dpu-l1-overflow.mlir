// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --target %S/../Inputs/tiny_l1.toml 2>&1 | FileCheck %s

// A DPU op is not tiled: its whole input (8*8*64 = 4096 B) and output (4*4*64 = 1024 B) must
// sit in L1 together. tiny_l1's 4 KiB L1 cannot hold them; the memory plan names the node.

// CHECK: error: node 'pool' (dpu.maxpool) needs 5120 bytes of L1, but tiny_l1's L1 holds 4096
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x8x8x64xf32>) -> tensor<1x4x4x64xf32> {
  %0 = tosa.max_pool2d %arg0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x64xf32>) -> tensor<1x4x4x64xf32> loc("pool")
  return %0 : tensor<1x4x4x64xf32>
}
