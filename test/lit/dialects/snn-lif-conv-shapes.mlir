// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// Stride 2 over a 4x4 input with a 3x3 kernel and padding 1 gives 2x2 positions, not 4x4.

// CHECK: error: {{.*}}result shape [2, 4, 4, 3] does not match the window geometry [2, 2, 2, 3]
func.func @main(%arg0: tensor<2x4x4x2xi8>) -> tensor<2x4x4x3xi8> {
  %w = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %p = arith.constant dense<[[4, 0, 0, 0], [9, 1, 0, 0], [2, 0, -1, 0]]> : tensor<3x4xi8>
  %0 = "snn.lif_conv"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, pad = array<i64: 1, 1, 1, 1>, record = "spikes", reset = "zero", shift = 0 : i64, stride = array<i64: 2, 2>, weight_bits = 4 : i64} : (tensor<2x4x4x2xi8>, tensor<3x3x3x2xi8>, tensor<3x4xi8>) -> tensor<2x4x4x3xi8>
  return %0 : tensor<2x4x4x3xi8>
}
