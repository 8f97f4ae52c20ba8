// RUN: convc-opt %s --target kraken --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-convert-to-snn --annotations %S/conv.cva | FileCheck %s

// `place "conv1" on snn` and `place "conv2" on snn`: both 3x3 ReLU convolutions become
// convolutional integrate-and-fire layers on kraken's SNE. conv1's map is encoded as a raster
// [16, 5, 5, C] of currents with always-on bias channels after its 2 input channels; conv2 is
// fed by conv1 alone, so it takes conv1's spike raster [16, 5, 5, 3] (no decoder between them)
// and keeps its stride 2. conv2's spikes are counted per neuron by the decoder (an avgpool over
// the 16 steps of a [1, 16, 9, 2] view: 3x3 positions, 2 channels) for fc, which stays an ANN
// layer.

// CHECK-LABEL: func.func @main
// CHECK:         %[[R1:.*]] = "snn.encode"
// CHECK-SAME:      convc.source.conversion = "{{.*}}conv.cva:2"
// CHECK-SAME:      -> tensor<16x5x5x{{[0-9]+}}xi8>
// CHECK:         %[[S1:.*]] = "snn.lif_conv"(%[[R1]]
// CHECK-SAME:      pad = array<i64: 1, 1, 1, 1>
// CHECK-SAME:      reset = "subtract"
// CHECK-SAME:      stride = array<i64: 1, 1>
// CHECK-SAME:      -> tensor<16x5x5x3xi8>
// CHECK-NOT:     "dpu.avgpool"
// CHECK:         %[[R2:.*]] = "snn.encode"(%[[S1]])
// CHECK-SAME:      convc.source.conversion = "{{.*}}conv.cva:3"
// CHECK-SAME:      (tensor<16x5x5x3xi8>) -> tensor<16x5x5x{{[0-9]+}}xi8>
// CHECK:         %[[S2:.*]] = "snn.lif_conv"(%[[R2]]
// CHECK-SAME:      stride = array<i64: 2, 2>
// CHECK-SAME:      -> tensor<16x3x3x2xi8>
// CHECK:         "dpu.reshape"(%[[S2]]) {{.*}} -> tensor<1x16x9x2xi8>
// CHECK:         "dpu.avgpool"
// CHECK-SAME:      kernel = array<i64: 16, 1>
// CHECK-SAME:      -> tensor<1x1x9x2xi8>
// CHECK:         "imc.matmul"
// CHECK-NOT:       convc.source.conversion
func.func @main(%arg0: tensor<1x5x5x2xf32>) -> tensor<1x2xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %zb = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense<[[[[-0.3, -0.56], [-0.02, 0.31], [0.67, 0.15]], [[-0.18, -0.29], [0.47, 0.92], [0.24, -0.52]], [[-0.38, 0.9], [0.2, -0.77], [0.06, -0.48]]], [[[-0.21, -0.14], [-0.26, 0.38], [0.07, -0.19]], [[0.3, 0.51], [-0.72, -0.03], [-0.39, 0.01]], [[-0.54, 0.11], [0.08, -0.05], [-0.42, -0.1]]], [[[-0.45, -0.58], [0.21, -0.45], [0.69, 0.46]], [[-0.9, 0.24], [-0.45, 0.12], [0.12, -0.89]], [[-0.02, -0.03], [0.58, -0.49], [0.47, -0.45]]]]> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %b1 = "tosa.const"() <{values = dense<[0.07, 0.02, 0.24]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %w2 = "tosa.const"() <{values = dense<[[[[0.28, 1.02, 0.31], [0.39, 0.39, -0.19], [0.02, 0.59, -0.11]], [[0.13, 0.04, 0.29], [-0.1, -0.01, 0.15], [0.09, -0.3, 0.41]], [[-0.47, -0.43, -0.46], [0.44, -0.09, -0.34], [-0.4, 0.22, -0.37]]], [[[-0.46, 0.3, -0.43], [-0.08, 0.05, -0.13], [0.03, 0.59, -0.16]], [[-0.45, -0.68, -0.03], [-0.09, 0.16, -0.14], [-0.14, -0.24, -0.16]], [[0.11, -0.1, 0.09], [0.81, 0.24, -0.58], [0.74, 0.19, -0.33]]]]> : tensor<2x3x3x3xf32>}> : () -> tensor<2x3x3x3xf32>
  %b2 = "tosa.const"() <{values = dense<[0.19, 0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %w3 = "tosa.const"() <{values = dense<[[[-0.4, 0.12], [-0.83, 0.33], [0.57, -0.23], [0.22, 0.13], [-0.2, -0.43], [-1.02, 0.71], [-0.02, 1.26], [0.41, 0.14], [-0.33, 0.7], [-0.25, 0.78], [-0.2, 0.09], [-0.76, 1.17], [-0.05, -0.19], [0.41, -0.45], [0.38, -0.59], [0.27, -0.52], [-0.92, -0.3], [-0.73, 0.28]]]> : tensor<1x18x2xf32>}> : () -> tensor<1x18x2xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 18]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.conv2d %arg0, %w1, %b1, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x5x5x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x5x3xf32> loc("conv1")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x5x5x3xf32>) -> tensor<1x5x5x3xf32> loc("relu1")
  %2 = tosa.conv2d %1, %w2, %b2, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x5x5x3xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x2xf32> loc("conv2")
  %3 = tosa.clamp %2 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> loc("relu2")
  %4 = tosa.reshape %3, %s3 : (tensor<1x3x3x2xf32>, !tosa.shape<3>) -> tensor<1x1x18xf32> loc("flatten")
  %5 = tosa.matmul %4, %w3, %zb, %zb : (tensor<1x1x18xf32>, tensor<1x18x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2xf32> loc("fc")
  %6 = tosa.reshape %5, %s2 : (tensor<1x1x2xf32>, !tosa.shape<2>) -> tensor<1x2xf32> loc("fc")
  return %6 : tensor<1x2xf32>
}
