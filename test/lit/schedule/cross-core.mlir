// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule | FileCheck %s

// The two branches run on cores 0 and 1 and the add joining them on core 0. Its input from
// core 0 needs no event (a core runs its ops in order), but the one from core 1 does: the
// add waits for event 1 and op 1 signals it. Nothing waits for op 0 or op 2.

// CHECK-LABEL: func.func @main
// CHECK:         %[[A:.*]] = "imc.conv2d"(%arg0
// CHECK-SAME:      convc.core = 0 : i64
// CHECK-SAME:      convc.id = 0 : i64
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         %[[B:.*]] = "imc.conv2d"(%arg0
// CHECK-SAME:      convc.core = 1 : i64
// CHECK-SAME:      convc.id = 1 : i64
// CHECK-SAME:      convc.signal = 1 : i64
// CHECK-SAME:      convc.waits = array<i64>
// CHECK:         "dpu.add"(%[[A]], %[[B]])
// CHECK-SAME:      convc.core = 0 : i64
// CHECK-SAME:      convc.id = 2 : i64
// CHECK-SAME:      convc.signal = 0 : i64
// CHECK-SAME:      convc.waits = array<i64: 1>
func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %wb = "tosa.const"() <{values = dense<-0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  %1 = tosa.conv2d %arg0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_b")
  %2 = tosa.add %0, %1 : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("merge")
  return %2 : tensor<1x8x8x16xf32>
}
