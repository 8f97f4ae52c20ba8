// RUN: not convc-opt %s --target kraken --pass convc-allocate-cores 2>&1 | FileCheck %s

// A 5x5 convolutional spiking layer: the SNE convolves with 3x3 kernels only, and nothing else
// on kraken runs spiking neurons, so allocation fails naming the layer and the SNE's reason.

// CHECK: error: {{.*}}conv5{{.*}}its kernel is 5x5; the engine's convolutions are 3x3
func.func @main(%arg0: tensor<2x4x4x2xi8>) -> tensor<2x4x4x3xi8> {
  %w = arith.constant dense<1> : tensor<3x5x5x2xi8>
  %p = arith.constant dense<[[4, 0, 0, 0], [9, 1, 0, 0], [2, 0, -1, 0]]> : tensor<3x4xi8>
  %0 = "snn.lif_conv"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, pad = array<i64: 2, 2, 2, 2>, record = "spikes", reset = "zero", shift = 0 : i64, stride = array<i64: 1, 1>, weight_bits = 4 : i64} : (tensor<2x4x4x2xi8>, tensor<3x5x5x2xi8>, tensor<3x4xi8>) -> tensor<2x4x4x3xi8> loc("conv5")
  return %0 : tensor<2x4x4x3xi8>
}
