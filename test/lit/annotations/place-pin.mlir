// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --annotations %S/place-pin.cva | FileCheck %s

// Without annotations the list scheduler puts branch_a on core 0, branch_b on core 1 and the
// merge on core 0. The rules pin branch_b (its first matching rule, line 3), branch_a (line 4,
// a /regex/) and the merge (line 5, by layer id); convc.source.core records each rule's file:line.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 2 : i64, convc.engine = "imc", convc.id = 0 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}place-pin.cva:4"
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 3 : i64, convc.engine = "imc", convc.id = 1 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}place-pin.cva:3"
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = 1 : i64, convc.engine = "dpu", convc.id = 2 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}place-pin.cva:5"

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wa = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %wb = "tosa.const"() <{values = dense<-0.25> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %wa, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_a")
  %1 = tosa.conv2d %arg0, %wb, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("branch_b")
  %2 = tosa.add %0, %1 : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("merge")
  return %2 : tensor<1x8x8x16xf32>
}
