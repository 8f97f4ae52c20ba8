// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// A normalisation over a non-innermost axis (here the channels of an NCHW map, as a
// GroupNorm-like export would give) is no layer norm convc computes: its elements are not
// contiguous rows. Refused at its first reduction, naming the node.

// CHECK: error: node 'chan_norm' (tosa.reduce_sum): a reduction is supported only as a mean over H and W
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
