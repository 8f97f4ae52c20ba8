// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule --target %S/../Inputs/one_core.toml | FileCheck %s

// On one core every dependency (data edges and the buffer-reuse hazard alike) is satisfied
// by program order: no op waits and no op signals.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     convc.waits = array<i64: {{[0-9]}}
// CHECK-NOT:     convc.signal = 1
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.after = array<i64: 1>
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK-NOT:     convc.waits = array<i64: {{[0-9]}}
// CHECK-NOT:     convc.signal = 1
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("a")
  %1 = tosa.conv2d %0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("b")
  %2 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("e")
  %3 = tosa.add %1, %2 : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("f")
  return %3 : tensor<1x4x4x8xf32>
}
