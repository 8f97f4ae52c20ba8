// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines | FileCheck %s

// torch-mlir's log-softmax chain (reduce_max, sub, exp, reduce_sum, log, sub) over the innermost
// axis becomes one dpu.log_softmax. Its table is the softmax's exponential (entry 0 is 65536,
// little-endian 0x00000100) followed by ln(1 + (f + 1/2) / 256) in 2^-16 units (entry 0 is 128,
// 0x80000000); step is 2^16 * s_in. Nothing of the chain is left: no pool, no table lookup.

// CHECK-LABEL: func.func @main
// CHECK:         %[[T:.*]] = arith.constant dense<"0x00000100{{[0-9A-F]*}}80000000{{[0-9A-F]*}}"> : tensor<512xi32>
// CHECK:         %[[S:.*]] = "dpu.log_softmax"(%arg0, %[[T]])
// CHECK-SAME:      step =
// CHECK-SAME:      (tensor<2x10xi8>, tensor<512xi32>) -> tensor<2x10xi8>
// CHECK-NOT:     dpu.maxpool
// CHECK-NOT:     dpu.avgpool
// CHECK-NOT:     dpu.lut
// CHECK:         return %[[S]]
func.func @main(%arg0: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = tosa.reduce_max %arg0 {axis = 1 : i32} : (tensor<2x10xf32>) -> tensor<2x1xf32> loc("lsm")
  %1 = tosa.sub %arg0, %0 : (tensor<2x10xf32>, tensor<2x1xf32>) -> tensor<2x10xf32> loc("lsm")
  %2 = tosa.exp %1 : (tensor<2x10xf32>) -> tensor<2x10xf32> loc("lsm")
  %3 = tosa.reduce_sum %2 {axis = 1 : i32} : (tensor<2x10xf32>) -> tensor<2x1xf32> loc("lsm")
  %4 = tosa.log %3 : (tensor<2x1xf32>) -> tensor<2x1xf32> loc("lsm")
  %5 = tosa.sub %1, %4 : (tensor<2x10xf32>, tensor<2x1xf32>) -> tensor<2x10xf32> loc("lsm")
  return %5 : tensor<2x10xf32>
}
