// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --annotations %S/parallelism.cva 2>&1 | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --annotations %S/parallelism-pinned.cva 2>&1 | FileCheck %s --check-prefix=PINNED

// A 3x3 convolution of 256 output pixels alone in the model: every core is idle, so the
// opportunity copies it onto all four (the count with the lowest end-to-end estimate); each
// copy computes 4 of the 16 rows. The opportunity is the decision's source.
// A `replicate ... cores 1` rule matches first and keeps the layer whole.

// CHECK-NOT:     warning
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 0 : i64
// CHECK-SAME:      convc.replica = array<i64: 0, 4, 0>
// CHECK-SAME:      convc.source.replicate = "{{.*}}parallelism.cva:2"
// CHECK-SAME:      -> tensor<1x4x16x32xi8>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 1 : i64
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 2 : i64
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 3 : i64
// CHECK-SAME:      convc.replica = array<i64: 3, 4, 0>
// CHECK:         "dpu.concat"{{.*}} -> tensor<1x16x16x32xi8>

// PINNED-NOT:    warning
// PINNED:        "imc.conv2d"
// PINNED-NOT:      replica =
// PINNED-SAME:     convc.source.replicate = "{{.*}}parallelism-pinned.cva:3"
// PINNED-NOT:    "dpu.concat"

func.func @main(%arg0: tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.125> : tensor<32x3x3x32xf32>}> : () -> tensor<32x3x3x32xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<32xf32>}> : () -> tensor<32xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<32x3x3x32xf32>, tensor<32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16x32xf32> loc("conv")
  return %0 : tensor<1x16x16x32xf32>
}
