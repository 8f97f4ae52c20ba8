// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass convc-tile --annotations %S/sparsity.cva | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass convc-tile --annotations %S/sparsity-dense.cva 2>&1 | FileCheck %s --check-prefix=DENSE

// An 8x4 weight matrix pruned in blocks: rows 4-7 of columns 0-1 and all of columns 2-3 are
// zero. Tiled 4x2 (tile rule), the grid is (row tile, column tile) = (0,0) (1,0) (0,1) (1,1)
// in execution order; tile 1 is zero and skipped; column 1 is all zero, so it keeps its
// first tile (2) to write its accumulators and skips tile 3. The sparsity opportunity is the
// decision's source. Under the default single 8x4 tile nothing is all-zero: reported.

// CHECK:         "imc.matmul"
// CHECK-SAME:      convc.skip_tiles = array<i64: 1, 3>
// CHECK-SAME:      convc.source.sparsity = "{{.*}}sparsity.cva:3"
// CHECK-SAME:      convc.tile_cols = 2 : i64, convc.tile_rows = 4 : i64

// DENSE: warning: {{.*}}sparsity-dense.cva:2:1: sparsity opportunity not exploited: no all-zero weight tile under the layers' tiling (a smaller `tile` may expose some)
// DENSE:         "imc.matmul"
// DENSE-NOT:       convc.skip_tiles
// DENSE-SAME:      convc.tile_cols = 4 : i64, convc.tile_rows = 8 : i64

func.func @main(%arg0: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[0.5, -0.5, 0.0, 0.0], [0.25, 0.75, 0.0, 0.0], [-1.0, 0.5, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]> : tensor<1x8x4xf32>}> : () -> tensor<1x8x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.reshape %arg0, %s3 : (tensor<1x8xf32>, !tosa.shape<3>) -> tensor<1x1x8xf32> loc("fc")
  %1 = tosa.matmul %0, %w, %z, %z : (tensor<1x1x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4xf32> loc("fc")
  %2 = tosa.reshape %1, %s2 : (tensor<1x1x4xf32>, !tosa.shape<2>) -> tensor<1x4xf32> loc("fc")
  return %2 : tensor<1x4xf32>
}
