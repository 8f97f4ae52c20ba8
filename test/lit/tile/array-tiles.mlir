// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-tile | FileCheck %s

// thetis' IMC array is 512x512. A 3x3 conv over 64 channels has K = 3*3*64 = 576 dot-product
// rows: two row tiles of at most 512 rows (int32 partial sums accumulate). A matmul with
// N = 640 columns needs two column tiles of at most 512. Everything else fits in one tile,
// and with thetis' 4 MiB L1 all input vectors are processed in one block (convc.m_block = M).

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.array_cols = 512 : i64, convc.array_rows = 512 : i64
// CHECK-SAME:      convc.m_block = 16 : i64
// CHECK-SAME:      convc.tile_cols = 16 : i64, convc.tile_rows = 512 : i64
// CHECK-SAME:      -> tensor<1x4x4x16xi8>
// CHECK:         "imc.matmul"
// CHECK-SAME:      convc.array_cols = 512 : i64, convc.array_rows = 512 : i64
// CHECK-SAME:      convc.m_block = 1 : i64
// CHECK-SAME:      convc.tile_cols = 512 : i64, convc.tile_rows = 256 : i64
// CHECK-SAME:      -> tensor<1x1x640xi8>
func.func @main(%arg0: tensor<1x4x4x64xf32>) -> tensor<1x1x640xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.01> : tensor<16x3x3x64xf32>}> : () -> tensor<16x3x3x64xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %fc = "tosa.const"() <{values = dense<0.02> : tensor<1x256x640xf32>}> : () -> tensor<1x256x640xf32>
  %flat = tosa.const_shape {values = dense<[1, 1, 256]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x64xf32>, tensor<16x3x3x64xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x16xf32> loc("conv_k576")
  %1 = tosa.reshape %0, %flat : (tensor<1x4x4x16xf32>, !tosa.shape<3>) -> tensor<1x1x256xf32> loc("flatten")
  %2 = tosa.matmul %1, %fc, %z, %z : (tensor<1x1x256xf32>, tensor<1x256x640xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x640xf32> loc("fc_n640")
  return %2 : tensor<1x1x640xf32>
}
