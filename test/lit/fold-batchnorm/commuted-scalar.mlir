// RUN: convc-opt %s --pass convc-fold-batchnorm | FileCheck %s

// The constant may come first for the commutative ops and may be a single scalar:
// mul(3, conv) then add(1, .) fold into W' = 0.5 * 3 = 1.5 and b' = 0.1 * 3 + 1 = 1.3.

// CHECK-LABEL: func.func @main
// CHECK-DAG:     %[[W:.*]] = "tosa.const"() <{values = dense<1.500000e+00> : tensor<8x3x3x8xf32>}>
// CHECK-DAG:     %[[B:.*]] = "tosa.const"() <{values = dense<1.300000e+00> : tensor<8xf32>}>
// CHECK:         %[[CONV:.*]] = tosa.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NEXT:    %[[RELU:.*]] = tosa.clamp %[[CONV]]
// CHECK-NEXT:    return %[[RELU]]
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %three = "tosa.const"() <{values = dense<3.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("conv1")
  %1 = tosa.mul %three, %0, %sh : (tensor<1x1x1x1xf32>, tensor<1x4x4x8xf32>, tensor<1xi8>) -> tensor<1x4x4x8xf32> loc("bn1/mul")
  %2 = tosa.add %one, %1 : (tensor<1x1x1x1xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("bn1/add")
  %3 = tosa.clamp %2 {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("relu1")
  return %3 : tensor<1x4x4x8xf32>
}
