// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// A sum over the channels is no spatial mean and no softmax: refused, naming the node and
// saying which reductions are supported.

// CHECK: error: node 'channel_sum' (tosa.reduce_sum): a reduction is supported only as a mean over H and W of an NCHW map (ReduceMean axes [2, 3]), or inside a softmax or a layer normalisation over the innermost axis
func.func @main(%arg0: tensor<1x8x6x4xf32>) -> tensor<1x1x6x4xf32> {
  %0 = tosa.reduce_sum %arg0 {axis = 1 : i32} : (tensor<1x8x6x4xf32>) -> tensor<1x1x6x4xf32> loc("channel_sum")
  return %0 : tensor<1x1x6x4xf32>
}
