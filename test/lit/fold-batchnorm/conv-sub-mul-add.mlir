// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// An inference BatchNormalization after constant folding: (conv - mean) * scale + shift with
// per-channel [1,1,1,C] constants. All three fold into the convolution:
//   W'[c] = W[c] * scale[c]                  = [2, 1, 0.5, -1]           (W = 1)
//   b'[c] = (b[c] - mean[c]) * scale[c] + shift[c] = [0.25, -1, 1.5, 2.5]   (b = 0.5)

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}2.000000e+00, 2.000000e+00]]], {{\[\[\[}}1.000000e+00, 1.000000e+00]]], {{\[\[\[}}5.000000e-01, 5.000000e-01]]], {{\[\[\[}}-1.000000e+00, -1.000000e+00]]]]> : tensor<4x1x1x2xf32>}>
// CHECK-DAG:     %[[B:.*]] = "tosa.const"() <{values = dense<[2.500000e-01, -1.000000e+00, 1.500000e+00, 2.500000e+00]> : tensor<4xf32>}>
// CHECK:         %[[CONV:.*]] = tosa.conv2d %arg0, %[[W]], %[[B]], %{{.*}}, %{{.*}} {
// CHECK-NOT:     tosa.sub
// CHECK-NOT:     tosa.mul
// CHECK-NOT:     tosa.add
// CHECK:         return %[[CONV]]
func.func @main(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<4x1x1x2xf32>}> : () -> tensor<4x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.5> : tensor<4xf32>}> : () -> tensor<4xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %mean = "tosa.const"() <{values = dense<[[[[0.5, 1.5, -0.5, 0.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %scale = "tosa.const"() <{values = dense<[[[[2.0, 1.0, 0.5, -1.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %shift = "tosa.const"() <{values = dense<[[[[0.25, 0.0, 1.0, 3.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv")
  %1 = tosa.sub %0, %mean : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("bn/sub")
  %2 = tosa.mul %1, %scale, %sh : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x4x4x4xf32> loc("bn/mul")
  %3 = tosa.add %2, %shift : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("bn/add")
  return %3 : tensor<1x4x4x4xf32>
}
