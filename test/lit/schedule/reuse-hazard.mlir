// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule | FileCheck %s

// A write-after-read hazard without a data edge: `e` only reads the network input, but the
// memory plan gives its result the L2 buffer of `a`, whose last reader is `b` (id 1) on
// another core. So `e` must wait for event 1 before overwriting the buffer, and `b` signals.
// The final add waits for both of its producers on other cores.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"(%arg0
// CHECK-SAME:      convc.core = 0 : i64
// CHECK-SAME:      convc.id = 0 : i64
// CHECK-SAME:      convc.out_addr = [[BUF:[0-9]+]] : i64
// CHECK-SAME:      convc.signal = 1 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 1 : i64
// CHECK-SAME:      convc.id = 1 : i64
// CHECK-SAME:      convc.signal = 1 : i64
// CHECK-SAME:      convc.waits = array<i64: 0>
// CHECK:         "imc.conv2d"(%arg0
// CHECK-SAME:      convc.after = array<i64: 1>
// CHECK-SAME:      convc.core = 2 : i64
// CHECK-SAME:      convc.id = 2 : i64
// CHECK-SAME:      convc.out_addr = [[BUF]] : i64
// CHECK-SAME:      convc.signal = 1 : i64
// CHECK-SAME:      convc.waits = array<i64: 1>
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = 0 : i64
// CHECK-SAME:      convc.id = 3 : i64
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64: 1, 2>
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
