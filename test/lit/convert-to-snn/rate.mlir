// RUN: convc-opt %s --target kraken --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-convert-to-snn --annotations %S/rate.cva | FileCheck %s

// The network of place.mlir with the module's `convc.spike_encoding = "rate"` (what
// `--spike-encoding rate,40` sets): fc1, fed by int8 codes, gets them as seeded spike trains —
// its currents at full scale, then an `snn.encode` with `encoding = "rate"` and the seed 40 plus
// fc1's id — instead of the same currents at every step. fc2 is fed by fc1's spikes as before
// (a pass-through encode, direct).

// CHECK-LABEL: func.func @main
// CHECK:         %[[CUR:.*]] = "dpu.rescale"
// CHECK:         %[[R1:.*]] = "snn.encode"(%[[CUR]])
// CHECK-SAME:      encoding = "rate"
// CHECK-SAME:      seed = 4{{[0-9]}} : i64
// CHECK-SAME:      (tensor<1x16xi8>) -> tensor<16x{{[0-9]+}}xi8>
// CHECK:         %[[S1:.*]] = "snn.lif"(%[[R1]]
// CHECK:         "snn.encode"(%[[S1]])
// CHECK-SAME:      encoding = "direct"
module attributes {convc.spike_encoding = "rate", convc.spike_seed = 40 : i64} {
  func.func @main(%arg0: tensor<1x16xf32>) -> tensor<1x4xf32> {
    %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
    %w1 = "tosa.const"() <{values = dense<[[[0.04, -0.04, 0.19, 0.03, -0.16, 0.11, 0.39, 0.28, -0.21, -0.38, -0.19, 0.01], [-0.70, -0.07, -0.37, -0.22, -0.16, -0.09, 0.12, 0.31, -0.04, 0.41, -0.20, 0.11], [0.27, 0.03, -0.22, -0.28, -0.14, 0.07, -0.30, -0.06, -0.05, 0.16, 0.06, 0.11], [-0.20, -0.04, 0.24, 0.45, -0.38, 0.45, 0.40, 0.23, 0.08, -0.09, 0.44, 0.59], [0.54, 0.39, 0.11, -0.36, -0.00, 0.20, -0.39, 0.12, 0.13, 0.21, -0.36, -0.20], [-0.13, -0.35, 0.52, -0.15, 0.10, -0.08, 0.48, 0.40, 0.19, -0.66, 0.02, 0.21], [0.30, -0.19, 0.55, -0.40, -0.20, 0.28, 0.01, 0.60, 0.06, -0.19, -0.11, -0.33], [-0.38, 0.19, 0.17, 0.39, -0.23, 0.51, -0.09, 0.47, -0.13, -0.22, 0.07, 0.31], [0.05, -0.18, -0.40, -0.42, 0.15, 0.30, -0.05, -0.32, 0.26, -0.38, -0.21, 0.19], [-0.68, 0.12, -0.17, 0.03, -0.02, 0.06, 0.21, -0.23, 0.43, 0.22, 0.25, 0.35], [0.24, 0.25, 0.02, -0.43, -0.04, -0.23, -0.43, 0.08, -0.17, -0.31, -0.31, 0.08], [0.11, 0.40, -0.00, 0.31, 0.42, 0.35, -0.71, 0.37, 0.10, 0.13, 0.11, 0.11], [0.10, -0.11, -0.57, -0.03, -0.24, 0.32, -0.09, 0.03, -0.25, -0.15, -0.00, -0.45], [0.09, -0.03, -0.36, -0.72, 0.15, -0.09, -0.16, -0.07, 0.54, -0.01, 0.03, -0.45], [0.49, 0.28, 0.32, 0.01, 0.27, 0.11, 0.18, -0.05, -0.44, 0.31, -0.58, -0.07], [-0.06, -0.31, 0.18, -0.06, -0.13, 0.16, -0.14, 0.42, 0.11, -0.14, -0.58, -0.39]]]> : tensor<1x16x12xf32>}> : () -> tensor<1x16x12xf32>
    %w2 = "tosa.const"() <{values = dense<[[[0.33, -0.02, -0.08, 0.49, -0.38, -0.18, -0.14, 0.18], [-0.20, -0.18, -0.48, 0.22, 0.24, -0.14, 0.05, -0.39], [-0.14, 0.41, 0.04, 0.69, -0.24, 0.17, -0.06, 0.17], [-0.00, -0.17, -0.26, 0.92, -0.02, -0.60, -0.19, 0.20], [-0.15, 0.41, 0.30, -0.05, -0.14, -0.30, -0.21, -0.44], [0.36, 0.48, -0.38, -0.35, -0.53, -0.29, -0.93, -0.34], [0.39, -0.10, 0.26, -0.15, 0.53, 0.06, -0.11, 0.77], [-0.10, -0.37, 0.06, -0.01, 0.32, -0.28, 0.24, 0.26], [-0.20, 0.05, -0.25, 0.70, -0.21, -0.14, -0.32, -0.10], [-0.00, 0.23, -0.18, -0.06, -0.42, -0.25, 0.83, 0.31], [-0.23, -0.40, -0.29, -0.01, 0.01, -0.22, -0.39, 0.43], [0.14, -0.11, -0.07, -0.16, -0.88, 0.03, -0.32, -0.30]]]> : tensor<1x12x8xf32>}> : () -> tensor<1x12x8xf32>
    %w3 = "tosa.const"() <{values = dense<[[[-0.19, 0.22, -0.35, -0.43], [0.19, 0.23, -0.29, 0.17], [-0.09, 0.09, -0.38, 0.25], [0.36, 0.19, 0.17, -1.13], [0.08, -0.01, -0.04, -0.19], [0.02, 0.12, -0.08, -0.14], [0.37, -0.33, 0.31, 0.05], [-0.24, -0.09, -0.28, 0.20]]]> : tensor<1x8x4xf32>}> : () -> tensor<1x8x4xf32>
    %s3 = tosa.const_shape {values = dense<[1, 1, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %s2 = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %0 = tosa.reshape %arg0, %s3 : (tensor<1x16xf32>, !tosa.shape<3>) -> tensor<1x1x16xf32> loc("fc1")
    %1 = tosa.matmul %0, %w1, %z, %z : (tensor<1x1x16xf32>, tensor<1x16x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x12xf32> loc("fc1")
    %2 = tosa.clamp %1 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x1x12xf32>) -> tensor<1x1x12xf32> loc("relu1")
    %3 = tosa.matmul %2, %w2, %z, %z : (tensor<1x1x12xf32>, tensor<1x12x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x8xf32> loc("fc2")
    %4 = tosa.clamp %3 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x1x8xf32>) -> tensor<1x1x8xf32> loc("relu2")
    %5 = tosa.matmul %4, %w3, %z, %z : (tensor<1x1x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4xf32> loc("fc3")
    %6 = tosa.reshape %5, %s2 : (tensor<1x1x4xf32>, !tosa.shape<2>) -> tensor<1x4xf32> loc("fc3")
    return %6 : tensor<1x4xf32>
  }
}
