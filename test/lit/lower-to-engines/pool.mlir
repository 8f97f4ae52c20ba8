// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// max_pool2d -> dpu.maxpool, which keeps its input's quantization (out_zp = input zp);
// avg_pool2d -> dpu.avgpool with its own output quantization and count_include_pad = 0
// (TOSA averages over the valid elements only).

// CHECK-LABEL: func.func @main(%arg0: tensor<1x4x4x8xi8>) -> (tensor<1x2x2x8xi8>, tensor<1x1x1x8xi8>)
// CHECK-SAME:    convc.input_scales = [[[IS:[0-9.e-]+]]], convc.input_zps = array<i64: [[IZ:-?[0-9]+]]>
// CHECK:         %[[MP:.*]] = "dpu.maxpool"(%arg0)
// CHECK-SAME:      {kernel = array<i64: 2, 2>, out_scale = [[IS]] : f64, out_zp = [[IZ]] : i64, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
// CHECK-SAME:      (tensor<1x4x4x8xi8>) -> tensor<1x2x2x8xi8>
// CHECK:         %[[AP:.*]] = "dpu.avgpool"(%arg0)
// CHECK-SAME:      count_include_pad = 0 : i64, in_zp = [[IZ]] : i64, kernel = array<i64: 4, 4>
// CHECK-SAME:      pad = array<i64: 0, 0, 0, 0>, shift = {{[0-9]+}} : i64, stride = array<i64: 1, 1>
// CHECK-SAME:      (tensor<1x4x4x8xi8>) -> tensor<1x1x1x8xi8>
// CHECK:         return %[[MP]], %[[AP]]
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> (tensor<1x2x2x8xf32>, tensor<1x1x1x8xf32>) {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.max_pool2d %arg0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> loc("maxpool")
  %1 = tosa.avg_pool2d %arg0, %z, %z {acc_type = f32, kernel = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x8xf32> loc("gap")
  return %0, %1 : tensor<1x2x2x8xf32>, tensor<1x1x1x8xf32>
}
