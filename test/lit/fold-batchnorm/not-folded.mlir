// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// Three affine ops after a convolution that must NOT fold into its weights or bias:
// 1. `add_map` adds a constant that varies over H and W: not a per-channel bias.
// 2. `rsub` computes `c - conv`, which negates the convolution: not a bias update.
// 3. `conv3`'s result feeds two per-channel ops: folding one into the weights would change
//    what the other sees.
// All three convolutions keep the original weight and bias constants.

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = "tosa.const"() <{values = dense<1.000000e+00> : tensor<2x1x1x2xf32>}>
// CHECK-DAG:     %[[B:.*]] = "tosa.const"() <{values = dense<5.000000e-01> : tensor<2xf32>}>
// CHECK-DAG:     %[[C:.*]] = "tosa.const"() <{values = dense<3.000000e+00> : tensor<1x1x1x2xf32>}>
// CHECK:         %[[CONV1:.*]] = tosa.conv2d %arg0, %[[W]], %[[B]],
// CHECK:         %[[ADD:.*]] = tosa.add %[[CONV1]], %{{.*}} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>)
// CHECK:         %[[CONV2:.*]] = tosa.conv2d %[[ADD]], %[[W]], %[[B]],
// CHECK:         %[[RSUB:.*]] = tosa.sub %[[C]], %[[CONV2]]
// CHECK:         %[[CONV3:.*]] = tosa.conv2d %[[RSUB]], %[[W]], %[[B]],
// CHECK:         %[[MUL:.*]] = tosa.mul %[[CONV3]], %[[C]],
// CHECK:         %[[ADD3:.*]] = tosa.add %[[CONV3]], %[[C]]
// CHECK:         return %[[MUL]], %[[ADD3]]
func.func @main(%arg0: tensor<1x2x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.5> : tensor<2xf32>}> : () -> tensor<2xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %map = "tosa.const"() <{values = dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]]> : tensor<1x2x2x2xf32>}> : () -> tensor<1x2x2x2xf32>
  %c = "tosa.const"() <{values = dense<3.0> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32> loc("conv1")
  %1 = tosa.add %0, %map : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("add_map")
  %2 = tosa.conv2d %1, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32> loc("conv2")
  %3 = tosa.sub %c, %2 : (tensor<1x1x1x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("rsub")
  %4 = tosa.conv2d %3, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32> loc("conv3")
  %5 = tosa.mul %4, %c, %sh : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x2x2x2xf32> loc("conv3/bn_mul")
  %6 = tosa.add %4, %c : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32> loc("conv3/shifted")
  return %5, %6 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
