// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// A rate encoding draws each step's spikes from one step of currents: a 4-step raster is not
// one, so it cannot be rate-encoded again.

// CHECK: error: {{.*}}a rate encoding draws from one step of currents [1, ...], not [4, 3]
func.func @main(%arg0: tensor<4x3xi8>) -> tensor<4x3xi8> {
  %0 = "snn.encode"(%arg0) {bias_inputs = 0 : i64, bias_level = 1 : i64, encoding = "rate", seed = 5 : i64, steps = 4 : i64} : (tensor<4x3xi8>) -> tensor<4x3xi8>
  return %0 : tensor<4x3xi8>
}
