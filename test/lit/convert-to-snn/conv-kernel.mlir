// RUN: not convc-opt %s --target kraken --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-convert-to-snn --annotations %S/conv-kernel.cva 2>&1 | FileCheck %s

// A 5x5 ReLU convolution placed on the SNE: the pass could convert it, but the engine convolves
// with 3x3 kernels only. The engine's own refusal, asked of the spiking chain built for the
// layer, is the reason the place rule cannot be honoured; nothing converts.

// CHECK: conv-kernel.cva:2:1: place rule cannot be honoured: layer 'conv5' cannot become a spiking layer: its kernel is 5x5; the engine's convolutions are 3x3
func.func @main(%arg0: tensor<1x6x6x1xf32>) -> tensor<1x6x6x2xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.18], [-0.11], [-0.07], [-0.88], [0.82]], [[0.56], [-0.03], [0.41], [0.21], [-0.12]], [[0.49], [-0.02], [-0.03], [-0.22], [0.28]], [[0.06], [0.32], [-0.14], [0.15], [-0.26]], [[0.44], [0.18], [0.23], [0.26], [-0.3]]], [[[0.41], [0.92], [-0.56], [-0.59], [-0.5]], [[0.44], [0.15], [0.53], [0.39], [0.18]], [[0.21], [0.03], [0.45], [-0.35], [-0.07]], [[0.2], [0.82], [-0.21], [-0.33], [-0.13]], [[0.49], [0.01], [0.63], [-0.65], [0.55]]]]> : tensor<2x5x5x1xf32>}> : () -> tensor<2x5x5x1xf32>
  %b = "tosa.const"() <{values = dense<[0.2, -0.04]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 2, 2, 2, 2>, stride = array<i64: 1, 1>} : (tensor<1x6x6x1xf32>, tensor<2x5x5x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x2xf32> loc("conv5")
  %1 = tosa.clamp %0 {max_val = 3.40282347E+38 : f32, min_val = 0.0 : f32} : (tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32> loc("relu")
  return %1 : tensor<1x6x6x2xf32>
}
