// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile --target %S/../Inputs/tiny_l1.toml 2>&1 | FileCheck %s

// 1024 output channels: one output pixel's int32 accumulators alone are 4 KiB, so neither row
// blocks, nor row bands, nor smaller weight tiles fit a 4 KiB L1. The error names the layer.

// CHECK: error: node 'wide' (imc.conv2d) needs {{[0-9]+}} bytes of L1 even one row at a time, but tiny_l1's L1 holds 4096
// CHECK-NOT: module
func.func @main(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x4x4x1024xf32> {
  %w = "tosa.const"() <{values = dense<0.1> : tensor<1024x1x1x4xf32>}> : () -> tensor<1024x1x1x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<1024xf32>}> : () -> tensor<1024xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<1024x1x1x4xf32>, tensor<1024xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x1024xf32> loc("wide")
  return %0 : tensor<1x4x4x1024xf32>
}
