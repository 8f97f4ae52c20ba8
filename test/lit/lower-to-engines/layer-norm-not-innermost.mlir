// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// A normalisation over a non-innermost axis (here the channels of an NCHW map, as a
// GroupNorm-like export would give) is no dpu.layernorm (its elements are not contiguous
// rows): it is lowered op by op. Both means become average pools over the channel axis of the
// view [1, 4, 1, 9], the centring a broadcast add, the square and (x + eps)^-1/2 tables, and
// the scaling a broadcast product.

// CHECK-LABEL: func.func @main
// CHECK-NOT:     dpu.layernorm
// CHECK:         "dpu.avgpool"
// CHECK-SAME:      (tensor<1x4x1x9xi8>) -> tensor<1x1x1x9xi8>
// CHECK:         "dpu.add"
// CHECK:         "dpu.lut"
// CHECK:         "dpu.avgpool"
// CHECK-SAME:      (tensor<1x4x1x9xi8>) -> tensor<1x1x1x9xi8>
// CHECK:         "dpu.lut"
// CHECK:         "dpu.mul"
// CHECK-SAME:      (tensor<1x4x3x3xi8>, tensor<1x1x3x3xi8>) -> tensor<1x4x3x3xi8>
func.func @main(%arg0: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %inv_n = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %eps = "tosa.const"() <{values = dense<9.99999974E-6> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %0 = tosa.reduce_sum %arg0 {axis = 1 : i32} : (tensor<1x4x3x3xf32>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %1 = tosa.mul %0, %inv_n, %shift : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %2 = tosa.sub %arg0, %1 : (tensor<1x4x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x4x3x3xf32> loc("chan_norm")
  %3 = tosa.mul %2, %2, %shift : (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1xi8>) -> tensor<1x4x3x3xf32> loc("chan_norm")
  %4 = tosa.reduce_sum %3 {axis = 1 : i32} : (tensor<1x4x3x3xf32>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %5 = tosa.mul %4, %inv_n, %shift : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %6 = tosa.add %5, %eps : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %7 = tosa.rsqrt %6 : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> loc("chan_norm")
  %8 = tosa.mul %2, %7, %shift : (tensor<1x4x3x3xf32>, tensor<1x1x3x3xf32>, tensor<1xi8>) -> tensor<1x4x3x3xf32> loc("chan_norm")
  return %8 : tensor<1x4x3x3xf32>
}
