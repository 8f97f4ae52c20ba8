// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// ONNX Gemm as torch-mlir emits it: reshape to rank 3, matmul with constant [1, K, N]
// weights, reshape back, add the bias, ReLU. All of it becomes one imc.matmul: the bias add
// becomes the op's int32 bias (one value per column: not a splat, since the bias differs per
// column) and the ReLU its clamp. The reshapes stay as dpu.reshape views.

// CHECK-LABEL: func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x4xi8>
// CHECK:         %[[IN:.*]] = "dpu.reshape"(%arg0) : (tensor<1x8xi8>) -> tensor<1x1x8xi8>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<127> : tensor<8x4xi8>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[{{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}]> : tensor<4xi32>
// CHECK:         %[[MM:.*]] = "imc.matmul"(%[[IN]], %[[W]], %[[B]])
// CHECK-SAME:      clamp_min = -128 : i64
// CHECK-SAME:      out_zp = -128 : i64
// CHECK-SAME:      (tensor<1x1x8xi8>, tensor<8x4xi8>, tensor<4xi32>) -> tensor<1x1x4xi8>
// CHECK-NEXT:    %[[OUT:.*]] = "dpu.reshape"(%[[MM]]) : (tensor<1x1x4xi8>) -> tensor<1x4xi8>
// CHECK-NEXT:    return %[[OUT]]
// CHECK-NOT:     dpu.add
// CHECK-NOT:     tosa.
func.func @main(%arg0: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<1x8x4xf32>}> : () -> tensor<1x8x4xf32>
  %bias = "tosa.const"() <{values = dense<[[0.25, -0.25, 0.5, 1.0]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.reshape %arg0, %s3 : (tensor<1x8xf32>, !tosa.shape<3>) -> tensor<1x1x8xf32> loc("fc/Gemm")
  %1 = tosa.matmul %0, %w, %z, %z : (tensor<1x1x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4xf32> loc("fc/Gemm")
  %2 = tosa.reshape %1, %s2 : (tensor<1x1x4xf32>, !tosa.shape<2>) -> tensor<1x4xf32> loc("fc/Gemm")
  %3 = tosa.add %2, %bias : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("fc/Gemm")
  %4 = tosa.clamp %3 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("fc/Relu")
  return %4 : tensor<1x4xf32>
}
