// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// torch-mlir may go back to NCHW between a convolution and its BatchNormalization:
// conv (NHWC) -> transpose to NCHW -> mul/add by [1, C, 1, 1] constants. The pass moves the
// affine ops above the transpose (permuting their constants to [1, 1, 1, C]) and then folds
// them into the convolution: W' = W * [2, 3, 4] = [2, 3, 4], b' = 0 * s + [1, 1, 1] = [1, 1, 1].
// The transpose is kept, now directly on the convolution's result.

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}3.000000e+00]]], {{\[\[\[}}4.000000e+00]]]]> : tensor<3x1x1x1xf32>}>
// CHECK-DAG:     %[[B:.*]] = "tosa.const"() <{values = dense<1.000000e+00> : tensor<3xf32>}>
// CHECK:         %[[CONV:.*]] = tosa.conv2d %arg0, %[[W]], %[[B]]
// CHECK-SAME:      -> tensor<1x2x2x3xf32>
// CHECK-NEXT:    %[[T:.*]] = tosa.transpose %[[CONV]] {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32>
// CHECK-NEXT:    return %[[T]]
func.func @main(%arg0: tensor<1x2x2x1xf32>) -> tensor<1x3x2x2xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<3x1x1x1xf32>}> : () -> tensor<3x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %scale = "tosa.const"() <{values = dense<[[[[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x3x1x1xf32>}> : () -> tensor<1x3x1x1xf32>
  %shift = "tosa.const"() <{values = dense<1.0> : tensor<1x3x1x1xf32>}> : () -> tensor<1x3x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x1xf32>, tensor<3x1x1x1xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x3xf32> loc("conv")
  %1 = tosa.transpose %0 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32> loc("to_nchw")
  %2 = tosa.mul %1, %scale, %sh : (tensor<1x3x2x2xf32>, tensor<1x3x1x1xf32>, tensor<1xi8>) -> tensor<1x3x2x2xf32> loc("bn/mul")
  %3 = tosa.add %2, %shift : (tensor<1x3x2x2xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x2x2xf32> loc("bn/add")
  return %3 : tensor<1x3x2x2xf32>
}
