// RUN: not convc-opt %s --verify-only 2>&1 | FileCheck %s

// A raster input must have one row per step (or a single row, repeated).
// CHECK: error: {{.*}}input must be [1 or 4, n] or [1 or 4, H, W, C], not [2, 3]
func.func @main(%arg0: tensor<2x3xi8>) -> tensor<4x3xi8> {
  %0 = "snn.encode"(%arg0) {bias_inputs = 0 : i64, bias_level = 1 : i64, encoding = "direct", seed = 0 : i64, steps = 4 : i64} : (tensor<2x3xi8>) -> tensor<4x3xi8>
  return %0 : tensor<4x3xi8>
}
