// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// A convolutional layer has one parameter record per output channel (3), not per neuron.

// CHECK: error: {{.*}}params must be [Cout, 4] (threshold, leak, v_reset, refractory), not [48, 4]
func.func @main(%arg0: tensor<2x4x4x2xi8>, %p: tensor<48x4xi8>) -> tensor<2x4x4x3xi8> {
  %w = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %0 = "snn.lif_conv"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, pad = array<i64: 1, 1, 1, 1>, record = "spikes", reset = "zero", shift = 0 : i64, stride = array<i64: 1, 1>, weight_bits = 4 : i64} : (tensor<2x4x4x2xi8>, tensor<3x3x3x2xi8>, tensor<48x4xi8>) -> tensor<2x4x4x3xi8>
  return %0 : tensor<2x4x4x3xi8>
}
