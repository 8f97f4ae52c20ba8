// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --annotations %S/matmul-rows.cva | FileCheck %s
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --annotations %S/matmul-three.cva 2>&1 | FileCheck %s --check-prefix=THREE
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --annotations %S/matmul-three.cva --relax 2>&1 | FileCheck %s --check-prefix=RELAX

// A matrix product of 4 input vectors splits along its leading non-unit axis (the 4 rows):
// two copies take two rows each, no halo, no crop; `replica` names the original layer (id 1). Three copies cannot share 4 rows
// equally (a matmul has no padding to run into): an error naming the rule, or with --relax
// a warning and the layer kept whole.

// CHECK:         [[A:%.+]] = "dpu.slice"({{%.+}}) {axis = 1 : i64{{.*}}start = 0 : i64} : (tensor<1x4x8xi8>) -> tensor<1x2x8xi8>
// CHECK:         [[P:%.+]] = "imc.matmul"([[A]],
// CHECK-SAME:      convc.core = [[C0:[0-9]]] : i64
// CHECK-SAME:      convc.replica = array<i64: 0, 2, 1>
// CHECK-SAME:      -> tensor<1x2x4xi8>
// CHECK:         [[B:%.+]] = "dpu.slice"({{%.+}}) {axis = 1 : i64{{.*}}start = 2 : i64} : (tensor<1x4x8xi8>) -> tensor<1x2x8xi8>
// CHECK:         [[Q:%.+]] = "imc.matmul"([[B]],
// CHECK-NOT:       convc.core = [[C0]] :
// CHECK-SAME:      convc.replica = array<i64: 1, 2, 1>
// CHECK:         "dpu.concat"([[P]], [[Q]]) {{.*}} -> tensor<1x4x4xi8>
// CHECK-NOT:     "dpu.slice"

// THREE: error: {{.*}}matmul-three.cva:2:1: replicate rule cannot be honoured: layer 'fc' has 4 rows along axis 1, which 3 copies cannot share equally

// RELAX: warning: {{.*}}matmul-three.cva:2:1: replicate rule cannot be honoured: {{.*}}; using one copy of the layer (--relax)
// RELAX-NOT: replica =

func.func @main(%arg0: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[0.5, -0.5, 0.25, 1.0], [0.25, 0.75, -1.0, 0.5], [-1.0, 0.5, 0.5, 0.25], [0.5, 0.5, -0.25, 0.75], [0.125, -0.5, 1.0, 0.0], [0.0, 0.25, -0.75, 0.5], [1.0, -1.0, 0.5, 0.25], [0.5, 0.0, 0.25, -0.5]]]> : tensor<1x8x4xf32>}> : () -> tensor<1x8x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[4, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.reshape %arg0, %s3 : (tensor<4x8xf32>, !tosa.shape<3>) -> tensor<1x4x8xf32> loc("fc")
  %1 = tosa.matmul %0, %w, %z, %z : (tensor<1x4x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32> loc("fc")
  %2 = tosa.reshape %1, %s2 : (tensor<1x4x4xf32>, !tosa.shape<2>) -> tensor<4x4xf32> loc("fc")
  return %2 : tensor<4x4xf32>
}
