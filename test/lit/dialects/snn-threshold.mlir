// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// A threshold of 0 would fire every neuron at rest; thresholds are in [1, 127] for an 8-bit
// membrane.

// CHECK: error: {{.*}}neuron 1: threshold 0, leak 0, v_reset -3, refractory 0
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %w = arith.constant dense<[[1, -8], [7, 0], [3, 2]]> : tensor<3x2xi8>
  %p = arith.constant dense<[[20, 1, 0, 0], [0, 0, -3, 0]]> : tensor<2x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "zero", shift = 0 : i64, weight_bits = 4 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8>
  return %0 : tensor<4x2xi8>
}
