// RUN: not convc-opt --verify-only %s 2>&1 | FileCheck %s

// A slice is a view, so it must be one contiguous byte range: rows of a batch-2 feature map
// are not (each image's rows are apart).

// CHECK: error: {{.*}}'dpu.slice': a slice along axis 1 of [2, 8, 4, 4] is not contiguous (dimensions before it must be 1)
func.func @main(%arg0: tensor<2x8x4x4xi8>) -> tensor<2x4x4x4xi8> {
  %0 = "dpu.slice"(%arg0) {axis = 1 : i64, start = 0 : i64} : (tensor<2x8x4x4xi8>) -> tensor<2x4x4x4xi8> loc("band")
  return %0 : tensor<2x4x4x4xi8>
}
