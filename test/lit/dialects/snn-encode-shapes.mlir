// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// The raster must be [steps, n + bias_inputs]: 3 inputs and 2 bias inputs make 5 columns.
// CHECK: error: {{.*}}the result must be [steps, ..., last + bias_inputs] = [4, 5], not [4, 3]
func.func @main(%arg0: tensor<1x3xi8>) -> tensor<4x3xi8> {
  %0 = "snn.encode"(%arg0) {bias_inputs = 2 : i64, bias_level = 1 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<1x3xi8>) -> tensor<4x3xi8>
  return %0 : tensor<4x3xi8>
}
