// RUN: convc-opt %s --target %S/../Inputs/one_core.toml --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass convc-tile --pass convc-calibrate-engines | FileCheck %s

// The same layers on a target without an analog array: no op needs calibration, the pass
// leaves the IR as it was (no gain on any layer, both products on the digital array).

// CHECK-LABEL: func.func @main
// CHECK-NOT:     convc.adc_shift
// CHECK:         "imc.matmul"
// CHECK-NOT:     convc.adc_shift
// CHECK-SAME:      convc.engine = "imc"
// CHECK:         "imc.matmul"
// CHECK-NOT:     convc.adc_shift
// CHECK-SAME:      convc.engine = "imc"
// CHECK-NOT:     convc.adc_shift
func.func @main(%arg0: tensor<1x64xf32>) -> tensor<1x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<1x64x16xf32>}> : () -> tensor<1x64x16xf32>
  %w2 = "tosa.const"() <{values = dense<[[[0.9, 0.05, -0.3, 0.02, 0.1, -0.7, 0.33, 0.01], [0.04, -0.8, 0.1, 0.6, -0.2, 0.05, 0.5, -0.9], [0.3, 0.02, 0.95, -0.07, 0.6, 0.1, -0.4, 0.2], [-0.6, 0.15, 0.01, 0.4, 0.05, 0.9, 0.2, -0.1], [0.9, 0.05, -0.3, 0.02, 0.1, -0.7, 0.33, 0.01], [0.04, -0.8, 0.1, 0.6, -0.2, 0.05, 0.5, -0.9], [0.3, 0.02, 0.95, -0.07, 0.6, 0.1, -0.4, 0.2], [-0.6, 0.15, 0.01, 0.4, 0.05, 0.9, 0.2, -0.1], [0.9, 0.05, -0.3, 0.02, 0.1, -0.7, 0.33, 0.01], [0.04, -0.8, 0.1, 0.6, -0.2, 0.05, 0.5, -0.9], [0.3, 0.02, 0.95, -0.07, 0.6, 0.1, -0.4, 0.2], [-0.6, 0.15, 0.01, 0.4, 0.05, 0.9, 0.2, -0.1], [0.9, 0.05, -0.3, 0.02, 0.1, -0.7, 0.33, 0.01], [0.04, -0.8, 0.1, 0.6, -0.2, 0.05, 0.5, -0.9], [0.3, 0.02, 0.95, -0.07, 0.6, 0.1, -0.4, 0.2], [-0.6, 0.15, 0.01, 0.4, 0.05, 0.9, 0.2, -0.1]]]> : tensor<1x16x8xf32>}> : () -> tensor<1x16x8xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 64]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s16 = tosa.const_shape {values = dense<[1, 1, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 8]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %x = tosa.clamp %arg0 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x64xf32>) -> tensor<1x64xf32> loc("relu_in")
  %0 = tosa.reshape %x, %s3 : (tensor<1x64xf32>, !tosa.shape<3>) -> tensor<1x1x64xf32> loc("fc1")
  %1 = tosa.matmul %0, %w, %z, %z : (tensor<1x1x64xf32>, tensor<1x64x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x16xf32> loc("fc1")
  %2 = tosa.matmul %1, %w2, %z, %z : (tensor<1x1x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x8xf32> loc("fc2")
  %3 = tosa.reshape %2, %s2 : (tensor<1x1x8xf32>, !tosa.shape<2>) -> tensor<1x8xf32> loc("fc2")
  return %3 : tensor<1x8xf32>
}
