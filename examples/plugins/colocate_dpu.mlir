// The example expert pass moves a heuristically placed residual add onto its first producer's
// core; an add placed by the annotation file stays where the expert put it.
// RUN: convc-opt %s --pass-plugin %S/colocate_dpu.py --annotations %S/colocate_dpu.cva --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass colocate-dpu | FileCheck %s --check-prefix=MOVED
// RUN: convc-opt %s --pass-plugin %S/colocate_dpu.py --annotations %S/colocate_dpu_pinned.cva --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass colocate-dpu | FileCheck %s --check-prefix=PINNED
// RUN: not convc-opt %s --pass-plugin %S/no_such_plugin.py --pass convc-quantize 2>&1 | FileCheck %s --check-prefix=MISSING

// MOVED: "imc.conv2d"{{.*}}convc.core = 2 : i64
// MOVED: "imc.conv2d"{{.*}}convc.core = 3 : i64
// MOVED: "dpu.add"{{.*}}convc.core = 2 : i64{{.*}}convc.source.core = "heuristic"
// PINNED: "dpu.add"{{.*}}convc.core = 1 : i64{{.*}}convc.source.core = "{{.*}}colocate_dpu_pinned.cva:4"
// MISSING: error: {{.*}}no_such_plugin.py: no such pass plugin

func.func @main(%arg0: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = "tosa.const"() <{values = dense<0.25> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32> loc("convA")
  %1 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32> loc("convB")
  %2 = tosa.add %0, %1 : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> loc("sum")
  return %2 : tensor<1x8x8x8xf32>
}
