// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --annotations %S/fuse-nothing.cva 2>&1 | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --annotations %S/fuse.cva --relax 2>&1 | FileCheck %s --check-prefix=RELAX

// fuse asks for an activation to fold into conv2, but nothing follows it: an error naming the
// rule and why; with --relax a warning. conv1 (fuse.cva: no_fuse) is honoured meanwhile.

// CHECK: error: {{.*}}fuse-nothing.cva:2:1: fuse rule cannot be honoured: no activation can fuse into layer 'conv2' (no clamp, ReLU or max/min against a constant follows it)

// RELAX: warning: {{.*}}fuse.cva:3:1: fuse rule cannot be honoured: no activation can fuse into layer 'conv2' (no clamp, ReLU or max/min against a constant follows it); using no fusion (--relax)
// RELAX:         "imc.conv2d"(%arg0,
// RELAX-SAME:      convc.source.fusion = "{{.*}}fuse.cva:2"
// RELAX:         "dpu.rescale"
// RELAX:         "imc.conv2d"
// RELAX-NOT:       fusion_source

func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, -0.5]]], [[[0.25, 0.125]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv2")
  return %2 : tensor<1x4x4x2xf32>
}
