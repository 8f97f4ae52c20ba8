// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// The always-on inputs are int8 values on the raster: a level of 128 does not fit.

// CHECK: error: {{.*}}bias_level must be in [1, 127] (an int8 input)
func.func @main(%arg0: tensor<1x3xi8>) -> tensor<4x5xi8> {
  %0 = "snn.encode"(%arg0) {bias_inputs = 2 : i64, bias_level = 128 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<1x3xi8>) -> tensor<4x5xi8>
  return %0 : tensor<4x5xi8>
}
