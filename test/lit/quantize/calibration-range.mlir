// RUN: convc-opt %s --pass convc-quantize --calib %S/../Inputs/laplace.npy | FileCheck %s

// Calibration on a fixed sample (Inputs/laplace.npy: 2048 Laplace-distributed values in
// [-7.607, 7.049], generated with numpy default_rng(0)), so the parameters are exact:
// - the network input keeps its full range: scale = (7.049 + 7.607) / 255 = 0.0574752;
// - `inner` sees the same values but is an intermediate, so its range is the one that
//   minimises the quantization MSE: clipping the sparse tails gives a smaller scale;
// - `out` sees them too but is returned, so it keeps the full range again.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.input_scales = [0.05747519848393459{{[0-9]*}}], convc.input_zps = array<i64: 4>
// CHECK:         tosa.mul %arg0
// CHECK-SAME:      {convc.scale = 0.05674535469366240{{[0-9]*}} : f64, convc.zp = 4 : i64}
// CHECK:         tosa.mul
// CHECK-SAME:      {convc.scale = 0.05747519848393459{{[0-9]*}} : f64, convc.zp = 4 : i64}
// CHECK:         return
func.func @main(%arg0: tensor<1x1x1x2048xf32>) -> tensor<1x1x1x2048xf32> {
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.mul %arg0, %one, %sh : (tensor<1x1x1x2048xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x1x2048xf32> loc("inner")
  %1 = tosa.mul %0, %one, %sh : (tensor<1x1x1x2048xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x1x2048xf32> loc("out")
  return %1 : tensor<1x1x1x2048xf32>
}
