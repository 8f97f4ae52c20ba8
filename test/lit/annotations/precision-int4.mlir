// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --annotations %S/precision-int4.cva 2>&1 | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --annotations %S/precision-int4.cva --relax 2>&1 | FileCheck %s --check-prefix=RELAX

// thetis' arrays execute int8 weights only: int4 is rejected, or with --relax reported and
// int8 kept (weight_bits = 8, convc.source.precision = "heuristic").

// CHECK: error: {{.*}}precision-int4.cva:2:1: precision rule cannot be honoured: thetis executes int8 weights only, not int4 (layer 'branch_b')
// CHECK-NOT: func.func

// RELAX: warning: {{.*}}precision-int4.cva:2:1: precision rule cannot be honoured: thetis executes int8 weights only, not int4 (layer 'branch_b'); using int8 (--relax)
// RELAX-LABEL: func.func @main
// RELAX:         "imc.conv2d"
// RELAX:         "imc.conv2d"
// RELAX-SAME:      convc.source.precision = "heuristic"
// RELAX-SAME:      convc.weight_precision = "int8"

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %wb = "tosa.const"() <{values = dense<-0.25> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  %1 = tosa.conv2d %arg0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_b")
  %2 = tosa.add %0, %1 : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("merge")
  return %2 : tensor<1x8x8x16xf32>
}
