// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// CHECK: error: {{.*}}reset must be one of zero, subtract
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x2xi8> {
  %w = arith.constant dense<[[1, -8], [7, 0], [3, 2]]> : tensor<3x2xi8>
  %p = arith.constant dense<[[20, 1, 0, 0], [5, 0, -3, 0]]> : tensor<2x4xi8>
  %0 = "snn.lif"(%arg0, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "half", shift = 0 : i64, weight_bits = 4 : i64} : (tensor<4x3xi8>, tensor<3x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8>
  return %0 : tensor<4x2xi8>
}
