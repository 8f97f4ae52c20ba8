// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/hetero.toml --annotations %S/place-engine.cva --relax 2>&1 | FileCheck %s
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/hetero.toml --annotations %S/place-engine.cva 2>&1 | FileCheck %s --check-prefix=STRICT

// A place rule may name just an engine kind: the merge goes to the host (core 4) although a
// DPU would be faster. A DPU cannot run a convolution, so that rule is refused.
// CHECK: warning: {{.*}}place-engine.cva:3:1: place rule cannot be honoured: engine dpu cannot run imc.conv2d (layer 'branch_a' runs on imc); using the compiler's placement (--relax)
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.engine = "imc"
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = 4 : i64, convc.engine = "host"
// CHECK-SAME:      convc.source.core = "{{.*}}place-engine.cva:2"

// STRICT: error: {{.*}}place-engine.cva:3:1: place rule cannot be honoured: engine dpu cannot run imc.conv2d

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  %2 = tosa.add %0, %arg0 : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("merge")
  return %2 : tensor<1x8x8x16xf32>
}
