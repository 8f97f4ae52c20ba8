// RUN: convc-opt %s --target kraken --pass convc-allocate-cores | FileCheck %s

// A 3x3 convolutional spiking layer runs on the SNE (core 0), whose synapses include 3x3
// convolutions.

// CHECK: "snn.lif_conv"{{.*}}convc.core = 0 : i64, convc.engine = "snn"
func.func @main(%arg0: tensor<2x4x4x2xi8>) -> tensor<2x4x4x3xi8> {
  %w = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %p = arith.constant dense<[[4, 0, 0, 0], [9, 1, 0, 0], [2, 0, -1, 0]]> : tensor<3x4xi8>
  %0 = "snn.lif_conv"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, pad = array<i64: 1, 1, 1, 1>, record = "spikes", reset = "zero", shift = 0 : i64, stride = array<i64: 1, 1>, weight_bits = 4 : i64} : (tensor<2x4x4x2xi8>, tensor<3x3x3x2xi8>, tensor<3x4xi8>) -> tensor<2x4x4x3xi8> loc("conv1")
  return %0 : tensor<2x4x4x3xi8>
}
