// RUN: not convc-opt %s 2>&1 | FileCheck %s

// The exponential table of a softmax holds int32 fixed-point values, one per d = max - x.

// CHECK: error: {{.*}}dpu.softmax{{.*}}table
func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %t = arith.constant dense<1> : tensor<256xi8>
  %0 = "dpu.softmax"(%arg0, %t) {mult = 1073741824 : i64, shift = 22 : i64, out_zp = -128 : i64, out_scale = 0.0039 : f64, clamp_min = -128 : i64, clamp_max = 127 : i64} : (tensor<1x8xi8>, tensor<256xi8>) -> tensor<1x8xi8>
  return %0 : tensor<1x8xi8>
}
