// RUN: not convc-opt %s --target thetis_mp --pass convc-check-precision 2>&1 | FileCheck %s

// Hand-written (or plugin-made) IR that claims 4-bit outputs but clamps to int8: its bit-serial
// consumers would silently drop bits, so the pass refuses it and names the layer.

// CHECK: error: {{.*}}conv{{.*}}clamp range [-128, 127] does not fit its 4-bit activations

func.func @main(%arg0: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  %w = arith.constant dense<1> : tensor<8x1x1x8xi8>
  %b = arith.constant dense<0> : tensor<8xi32>
  %0 = "imc.conv2d"(%arg0, %w, %b) {convc.act_bits = 4 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 0, 0, 0, 0>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<8x1x1x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8> loc("conv")
  return %0 : tensor<1x4x4x8xi8>
}
