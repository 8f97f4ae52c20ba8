// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// torch-mlir's softmax chain (reduce_max, sub, exp, reduce_sum, reciprocal, mul) over the
// innermost axis becomes one dpu.softmax: its table holds 2^16 * exp(-s_in * d) for d = max - x
// (entry 0 is 65536, printed little-endian: 0x00000100), and mult / 2^shift is 1 / s_out.

// CHECK-LABEL: func.func @main
// CHECK:         %[[T:.*]] = arith.constant dense<"0x00000100{{[0-9A-F]*}}"> : tensor<256xi32>
// CHECK:         %[[S:.*]] = "dpu.softmax"(%arg0, %[[T]])
// CHECK-SAME:      (tensor<2x10xi8>, tensor<256xi32>) -> tensor<2x10xi8>
// CHECK-NOT:     dpu.lut
// CHECK-NOT:     dpu.mul
// CHECK:         return %[[S]]
func.func @main(%arg0: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.reduce_max %arg0 {axis = 1 : i32} : (tensor<2x10xf32>) -> tensor<2x1xf32> loc("sm")
  %1 = tosa.sub %arg0, %0 : (tensor<2x10xf32>, tensor<2x1xf32>) -> tensor<2x10xf32> loc("sm")
  %2 = tosa.exp %1 : (tensor<2x10xf32>) -> tensor<2x10xf32> loc("sm")
  %3 = tosa.reduce_sum %2 {axis = 1 : i32} : (tensor<2x10xf32>) -> tensor<2x1xf32> loc("sm")
  %4 = tosa.reciprocal %3 : (tensor<2x1xf32>) -> tensor<2x1xf32> loc("sm")
  %5 = tosa.mul %2, %4, %shift : (tensor<2x10xf32>, tensor<2x1xf32>, tensor<1xi8>) -> tensor<2x10xf32> loc("sm")
  return %5 : tensor<2x10xf32>
}
