// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --annotations %S/resident-too-big.cva --target %S/../Inputs/tiny_l2.toml 2>&1 | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --annotations %S/resident-too-big.cva --target %S/../Inputs/tiny_l2.toml --relax 2>&1 | FileCheck %s --check-prefix=RELAX

// tiny_l2 has 256 bytes of L2; branch_b's 16x3x3x16 weights (2304 bytes) plus 192 bytes of
// parameters cannot be resident there: an error naming the rule; with --relax they stay in DRAM.

// CHECK: error: {{.*}}resident-too-big.cva:2:1: resident rule cannot be honoured: the constants of layer 'branch_b' (2496 bytes) do not fit the 256 bytes of L2 left

// RELAX: warning: {{.*}}resident-too-big.cva:2:1: resident rule cannot be honoured: {{.*}}; using DRAM (--relax)
// RELAX:         "imc.conv2d"
// RELAX:         "imc.conv2d"
// RELAX-SAME:      convc.const.weights = {{21[0-9]+}} : i64
// RELAX-NOT:       resident_source

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
