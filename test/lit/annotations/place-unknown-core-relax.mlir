// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --annotations %S/place-unknown-core.cva --relax 2>&1 | FileCheck %s

// With --relax the rule of place-unknown-core.cva becomes a warning and the scheduler's
// placement is kept (branch_b on core 1, from the heuristic).

// CHECK: warning: {{.*}}place-unknown-core.cva:3:1: place rule cannot be honoured: core 9 does not exist on thetis (4 cores); using the compiler's placement (--relax)
// CHECK-NOT: error
// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 1 : i64, convc.engine = "imc", convc.id = 1 : i64
// CHECK-SAME:      convc.source.core = "heuristic"

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
