// RUN: not convc-opt %s 2>&1 | FileCheck %s

// A lookup table has exactly one int8 entry per input code.

// CHECK: error: {{.*}}dpu.lut{{.*}}table has shape [128], not [256]
func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %t = arith.constant dense<1> : tensor<128xi8>
  %0 = "dpu.lut"(%arg0, %t) {out_scale = 0.1 : f64, out_zp = 0 : i64} : (tensor<1x8xi8>, tensor<128xi8>) -> tensor<1x8xi8>
  return %0 : tensor<1x8xi8>
}
