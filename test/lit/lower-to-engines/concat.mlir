// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// tosa.concat -> a chain of binary dpu.concat (strided copies), here of three inputs of
// different widths (4, 2 and 3 channels). Inputs whose quantization differs from the result's
// are first brought to it with a dpu.rescale (clamp-free: the full int8 range).

// CHECK-LABEL: func.func @main(%arg0: tensor<1x2x2x4xi8>, %arg1: tensor<1x2x2x2xi8>, %arg2: tensor<1x2x2x3xi8>) -> tensor<1x2x2x9xi8>
// CHECK-SAME:    convc.output_scales = [[[OS:[0-9.e-]+]]], convc.output_zps = array<i64: [[OZ:-?[0-9]+]]>
// CHECK:         %[[R0:.*]] = "dpu.rescale"(%arg0)
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = -128 : i64
// CHECK-SAME:      out_scale = [[OS]] : f64, out_zp = [[OZ]] : i64
// CHECK:         %[[R1:.*]] = "dpu.rescale"(%arg1)
// CHECK-SAME:      out_scale = [[OS]] : f64, out_zp = [[OZ]] : i64
// CHECK:         %[[R2:.*]] = "dpu.rescale"(%arg2)
// CHECK:         %[[C01:.*]] = "dpu.concat"(%[[R0]], %[[R1]]) {axis = 3 : i64
// CHECK-SAME:      (tensor<1x2x2x4xi8>, tensor<1x2x2x2xi8>) -> tensor<1x2x2x6xi8>
// CHECK:         %[[CAT:.*]] = "dpu.concat"(%[[C01]], %[[R2]]) {axis = 3 : i64
// CHECK-SAME:      (tensor<1x2x2x6xi8>, tensor<1x2x2x3xi8>) -> tensor<1x2x2x9xi8>
// CHECK:         return %[[CAT]]
func.func @main(%arg0: tensor<1x2x2x4xf32>, %arg1: tensor<1x2x2x2xf32>, %arg2: tensor<1x2x2x3xf32>) -> tensor<1x2x2x9xf32> {
  %0 = tosa.concat %arg0, %arg1, %arg2 {axis = 3 : i32} : (tensor<1x2x2x4xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x9xf32> loc("cat")
  return %0 : tensor<1x2x2x9xf32>
}
