// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// SiLU as exporters spell it, x * sigmoid(x): the sigmoid and the product of two functions of
// the conv's output form one unary region, lowered as a single table lookup on the DPU. The
// conv keeps its own requantization; nothing of the region is left as a separate op.

// CHECK-LABEL: func.func @main
// CHECK:         %[[CONV:.*]] = "imc.conv2d"
// CHECK:         %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<256xi8>
// CHECK:         %[[LUT:.*]] = "dpu.lut"(%[[CONV]], %[[TABLE]])
// CHECK-SAME:      (tensor<1x4x4x8xi8>, tensor<256xi8>) -> tensor<1x4x4x8xi8>
// CHECK-NOT:     dpu.mul
// CHECK:         return %[[LUT]]
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<8x1x1x8xf32>}> : () -> tensor<8x1x1x8xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32> loc("conv")
  %1 = tosa.sigmoid %0 : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> loc("sig")
  %2 = tosa.mul %0, %1, %sh : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1xi8>) -> tensor<1x4x4x8xf32> loc("silu")
  return %2 : tensor<1x4x4x8xf32>
}
