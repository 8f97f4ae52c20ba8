// Regression test (bug fixed): a tosa.slice whose result is returned (not feeding a conv/pool) is
// skipped by the lowering loop and then looked up for func.return, which raises a Python KeyError
// (traceback) instead of the user-facing error every other unsupported slice gets.
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines 2>&1 | FileCheck %s

// CHECK-NOT: Traceback
// CHECK: error: node 'out_crop' (tosa.slice)
func.func @main(%arg0: tensor<1x4x4x8xf32>) -> tensor<1x3x4x8xf32> {
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 3, 4, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.slice %arg0, %start, %size : (tensor<1x4x4x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x3x4x8xf32> loc("out_crop")
  return %0 : tensor<1x3x4x8xf32>
}
