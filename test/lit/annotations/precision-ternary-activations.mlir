// RUN: not convc-opt %s --target thetis_mp --pass convc-quantize --pass convc-lower-to-engines --annotations %S/precision-ternary-activations.cva 2>&1 | FileCheck %s

// Ternary and binary are weight codes; activations always carry a zero point, so only
// int8/int4/int2 make sense for them, whatever the target offers.

// CHECK: error: {{.*}}precision-ternary-activations.cva:2:1: precision rule cannot be honoured: activations are zero-pointed integers (int8, int4, int2), not ternary (layer 'branch_a')
// CHECK-NOT: func.func

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  return %0 : tensor<1x8x8x16xf32>
}
