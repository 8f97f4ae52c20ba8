// RUN: convc-opt %s | FileCheck %s

// snn.encode: a vector of currents repeated over 4 steps, or a 4-step raster passed through,
// each followed by 2 always-on bias inputs (of value 1, and of 64: a layer whose negative shift
// divides its current needs a large bias per unit input); a negative shift on snn.lif divides
// the current.
// CHECK: "snn.encode"(%arg0) {bias_inputs = 2 : i64, bias_level = 1 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<1x3xi8>) -> tensor<4x5xi8>
// CHECK: "snn.encode"(%arg1) {bias_inputs = 2 : i64, bias_level = 64 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<4x3xi8>) -> tensor<4x5xi8>
// CHECK: "snn.lif"{{.*}}shift = -3 : i64
func.func @main(%arg0: tensor<1x3xi8>, %arg1: tensor<4x3xi8>) -> (tensor<4x5xi8>, tensor<4x2xi8>) {
  %0 = "snn.encode"(%arg0) {bias_inputs = 2 : i64, bias_level = 1 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<1x3xi8>) -> tensor<4x5xi8>
  %1 = "snn.encode"(%arg1) {bias_inputs = 2 : i64, bias_level = 64 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<4x3xi8>) -> tensor<4x5xi8>
  %w = arith.constant dense<[[1, -8], [7, 0], [3, 2], [1, 1], [0, -1]]> : tensor<5x2xi8>
  %p = arith.constant dense<[[20, 0, 0, 0], [5, 0, 0, 0]]> : tensor<2x4xi8>
  %2 = "snn.lif"(%1, %w, %p) {leak = "linear", membrane_bits = 8 : i64, record = "spikes", reset = "subtract", shift = -3 : i64, weight_bits = 4 : i64} : (tensor<4x5xi8>, tensor<5x2xi8>, tensor<2x4xi8>) -> tensor<4x2xi8>
  return %0, %2 : tensor<4x5xi8>, tensor<4x2xi8>
}
