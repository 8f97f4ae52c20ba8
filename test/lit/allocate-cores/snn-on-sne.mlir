// RUN: convc-opt %s --target kraken --pass convc-allocate-cores | FileCheck %s

// On kraken a spiking layer can only run on the SNE (core 0): the cluster runs integer ops in
// software but has no routine for spiking neurons.

// CHECK: "snn.lif"{{.*}}convc.core = 0 : i64, convc.engine = "snn"
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %w = arith.constant dense<[[1, -8], [7, 0], [3, 2]]> : tensor<3x2xi8>
  %p = arith.constant dense<[[20, 1, 0, 0], [5, 0, -3, 0]]> : tensor<2x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "subtract", shift = 2 : i64, weight_bits = 4 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8> loc("fc1")
  return %0 : tensor<4x2xi8>
}
