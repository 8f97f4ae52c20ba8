// RUN: not convc-opt %s --target kraken --pass convc-allocate-cores 2>&1 | FileCheck %s

// Weights quantized to 8-bit codes: the SNE's synapses hold 4 bits, and nothing else on kraken
// runs spiking neurons, so allocation fails naming the layer and the SNE's reason.

// CHECK: error: {{.*}}fc1{{.*}}its weights are 8-bit codes; the engine's are 4-bit
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %w = arith.constant dense<[[100, -8], [7, 0], [3, 2]]> : tensor<3x2xi8>
  %p = arith.constant dense<[[20, 1, 0, 0], [5, 0, -3, 0]]> : tensor<2x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "subtract", shift = 2 : i64, weight_bits = 8 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8> loc("fc1")
  return %0 : tensor<4x2xi8>
}
