// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --check-constraints --annotations %S/holds.cva 2>&1 >/dev/null | FileCheck %s

// Every kind of constraint on a convolution and the max-pool reading it, all satisfied:
// convc-opt checks them on the IR the passes left and notes each one. never_leaves_core is
// made to hold (the conv and its reader on core 2, the tensor in core 2's L1); max_error
// needs the runtime and onnxruntime (`convc --verify`), so convc-opt only warns.

// CHECK: warning: {{.*}}holds.cva:7:1: max_error not checked (it needs `convc --verify`)
// CHECK: note: {{.*}}holds.cva:2:1 holds
// CHECK: note: {{.*}}holds.cva:3:1 holds
// CHECK: note: {{.*}}holds.cva:4:1 holds
// CHECK: note: {{.*}}holds.cva:5:1 holds
// CHECK: note: {{.*}}holds.cva:6:1 holds
// CHECK-NOT: error

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  %1 = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32> loc("pool")
  return %1 : tensor<1x4x4x16xf32>
}
