// RUN: not convc-opt %s --target thetis --pass convc-check-precision 2>&1 | FileCheck %s

// thetis has no int4 array mode: IR asking for one (hand-written, or from a plugin) is refused
// before emission rather than failing in the runtime.

// CHECK: error: {{.*}}conv{{.*}}thetis's arrays have no mode for int4 weights with int8 inputs

func.func @main(%arg0: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  %w = arith.constant dense<3> : tensor<8x1x1x8xi8>
  %b = arith.constant dense<0> : tensor<8xi32>
  %0 = "imc.conv2d"(%arg0, %w, %b) {convc.weight_precision = "int4", clamp_max = 127 : i64, clamp_min = -128 : i64, dilation = array<i64: 1, 1>, in_zp = 0 : i64, mult = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, out_scale = 1.0e-01 : f64, out_zp = 0 : i64, pad = array<i64: 0, 0, 0, 0>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<8x1x1x8xi8>, tensor<8xi32>) -> tensor<1x4x4x8xi8> loc("conv")
  return %0 : tensor<1x4x4x8xi8>
}
