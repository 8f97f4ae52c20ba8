// RUN: convc-opt %s | FileCheck %s

// A dense LIF layer over 4 time steps: 3 inputs, 2 neurons, 4-bit weights scaled by 2^2.

// CHECK: "snn.lif"(%arg0, %{{.*}}, %{{.*}}) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "subtract", shift = 2 : i64, weight_bits = 4 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8>
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %w = arith.constant dense<[[1, -8], [7, 0], [3, 2]]> : tensor<3x2xi8>
  %p = arith.constant dense<[[20, 1, 0, 0], [5, 0, -3, 0]]> : tensor<2x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "subtract", shift = 2 : i64, weight_bits = 4 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8>
  return %0 : tensor<4x2xi8>
}
