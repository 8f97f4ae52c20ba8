// RUN: convc-opt %s --pass convc-quantize | FileCheck %s

// Ops that only move data (transpose, reshape, slice, max-pool, identity) inherit their
// input's scale and zero point exactly, so lowering needs no rescale for them.

// CHECK-LABEL: func.func @main
// CHECK:         tosa.conv2d
// CHECK-SAME:      convc.scale = [[S:[0-9.e-]+]] : f64, convc.zp = [[Z:-?[0-9]+]] : i64
// CHECK:         tosa.transpose
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64, perms = array<i32: 0, 3, 1, 2>}
// CHECK:         tosa.reshape
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64}
// CHECK:         tosa.transpose
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64, perms = array<i32: 0, 2, 3, 1>}
// CHECK:         tosa.slice
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64}
// CHECK:         tosa.max_pool2d
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64, kernel = array<i64: 2, 2>
// CHECK:         tosa.identity
// CHECK-SAME:      {convc.scale = [[S]] : f64, convc.zp = [[Z]] : i64}
// CHECK:         return
func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x1x2x4xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<4x1x1x2xf32>}> : () -> tensor<4x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.5> : tensor<4xf32>}> : () -> tensor<4xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shape = tosa.const_shape {values = dense<[1, 4, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 2, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv")
  %1 = tosa.transpose %0 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("to_nchw")
  %2 = tosa.reshape %1, %shape : (tensor<1x4x4x4xf32>, !tosa.shape<4>) -> tensor<1x4x4x4xf32> loc("view")
  %3 = tosa.transpose %2 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("to_nhwc")
  %4 = tosa.slice %3, %start, %size : (tensor<1x4x4x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x2x4x4xf32> loc("crop")
  %5 = tosa.max_pool2d %4 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x1x2x4xf32> loc("pool")
  %6 = tosa.identity %5 : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32> loc("id")
  return %6 : tensor<1x1x2x4xf32>
}
