// RUN: convc-opt %s --target thetis_mp --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --annotations %S/precision-mixed.cva | FileCheck %s

// thetis_mp's arrays run narrow modes. conv_a gets int4 weights and int4 output codes (its
// clamp stays inside [-8, 7]); the max-pool moves those codes and keeps 4 bits; conv_b reads
// them with 4-bit bit-serial inputs (convc.in_bits = 4) and ternary weights; merge writes int2 codes.

// CHECK-LABEL: func.func @main
// CHECK:         %[[WA:.*]] = arith.constant dense<7> : tensor<16x3x3x16xi8>
// CHECK:         "imc.conv2d"(%arg0, %[[WA]],
// CHECK-SAME:      clamp_max = 7 : i64, clamp_min = -8 : i64, convc.act_bits = 4 : i64
// CHECK-SAME:      convc.in_bits = 8 : i64
// CHECK-SAME:      convc.source.precision = "{{.*}}precision-mixed.cva:2"
// CHECK-SAME:      convc.weight_precision = "int4"
// CHECK:         "dpu.maxpool"
// CHECK-SAME:      convc.act_bits = 4 : i64
// CHECK-SAME:      convc.source.precision = "heuristic"
// CHECK:         %[[WB:.*]] = arith.constant dense<-1> : tensor<16x3x3x16xi8>
// CHECK:         "imc.conv2d"(%{{.*}}, %[[WB]],
// CHECK-SAME:      clamp_max = 127 : i64, clamp_min = -128 : i64, convc.act_bits = 8 : i64
// CHECK-SAME:      convc.in_bits = 4 : i64
// CHECK-SAME:      convc.weight_precision = "ternary"
// CHECK:         "dpu.add"
// CHECK-SAME:      clamp_max = 1 : i64, clamp_min = -2 : i64, convc.act_bits = 2 : i64
// CHECK-SAME:      convc.source.precision = "{{.*}}precision-mixed.cva:4"

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x7x7x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %wb = "tosa.const"() <{values = dense<-0.25> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv_a")
  %1 = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>) -> tensor<1x7x7x16xf32> loc("pool")
  %2 = tosa.conv2d %1, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x7x7x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x7x7x16xf32> loc("conv_b")
  %3 = tosa.add %1, %2 : (tensor<1x7x7x16xf32>, tensor<1x7x7x16xf32>) -> tensor<1x7x7x16xf32> loc("merge")
  return %3 : tensor<1x7x7x16xf32>
}
