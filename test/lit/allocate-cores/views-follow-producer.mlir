// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores | FileCheck %s

// dpu.reshape is a view with no work: it stays on the core of the op that produced its
// data (core 0 for a network input). Here the conv takes core 0, so the independent matmul
// branch runs on core 1 and the reshape of its result must be placed on core 1 as well.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"(%arg0
// CHECK-SAME:      convc.core = 0 : i64
// CHECK:         %[[FLAT:.*]] = "dpu.reshape"(%arg1) {convc.core = 0 : i64, convc.id = 1 : i64, convc.source.core = "heuristic"}
// CHECK:         %[[MM:.*]] = "imc.matmul"(%[[FLAT]]
// CHECK-SAME:      convc.core = [[CORE:[1-3]]] : i64
// CHECK-SAME:      convc.id = 2 : i64
// CHECK:         "dpu.reshape"(%[[MM]]) {convc.core = [[CORE]] : i64, convc.id = 3 : i64, convc.source.core = "heuristic"}
func.func @main(%arg0: tensor<1x8x8x16xf32>, %arg1: tensor<1x64xf32>) -> (tensor<1x8x8x16xf32>, tensor<1x32xf32>) {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %fc = "tosa.const"() <{values = dense<0.1> : tensor<1x64x32xf32>}> : () -> tensor<1x64x32xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 64]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 32]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  %1 = tosa.reshape %arg1, %s3 : (tensor<1x64xf32>, !tosa.shape<3>) -> tensor<1x1x64xf32> loc("fc/flatten")
  %2 = tosa.matmul %1, %fc, %z, %z : (tensor<1x1x64xf32>, tensor<1x64x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x32xf32> loc("fc")
  %3 = tosa.reshape %2, %s2 : (tensor<1x1x32xf32>, !tosa.shape<2>) -> tensor<1x32xf32> loc("fc/unflatten")
  return %0, %3 : tensor<1x8x8x16xf32>, tensor<1x32xf32>
}
