// RUN: not convc-opt %s --target kraken --pass convc-tile 2>&1 | FileCheck %s

// A spiking layer of 1024 inputs and 512 neurons over 64 steps on the SNE: its packed 4-bit
// weights alone (256 KiB) exceed the core's 128 KiB L1, and the engine does not tile layers
// over neurons or time yet, so convc-tile stops, naming the layer and what it needs.

// CHECK: error: {{.*}}node 'big' (snn.lif) needs 362496 bytes of L1 for its 64 time steps, weights and rasters; core 0 has 131072
func.func @main(%arg0: tensor<64x1024xi8>) -> tensor<64x512xi8> {
  %w = arith.constant dense<1> : tensor<1024x512xi8>
  %p = arith.constant dense<1> : tensor<512x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {convc.core = 0 : i64, convc.engine = "snn", convc.id = 0 : i64, leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "zero", shift = 0 : i64, weight_bits = 4 : i64} : (tensor<64x1024xi8>, tensor<1024x512xi8>, tensor<512x4xi8>) -> tensor<64x512xi8> loc("big")
  return %0 : tensor<64x512xi8>
}
