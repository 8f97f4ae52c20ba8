// RUN: convc-opt %s --target thetis_mp --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --annotations %S/reduced-precision.cva | FileCheck %s
// RUN: convc-opt %s --target thetis --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --annotations %S/reduced-precision.cva 2>&1 | FileCheck %s --check-prefix=INT8

// A layer declared tolerant of reduced precision gets int4 weights where the arrays offer them
// (thetis_mp), with the opportunity as the decision's source; branch_a keeps int8. On thetis
// (int8 only) the opportunity is reported as not exploited.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.source.precision = "heuristic"
// CHECK-SAME:      convc.weight_precision = "int8"
// CHECK:         %[[W:.*]] = arith.constant dense<-7> : tensor<16x3x3x16xi8>
// CHECK:         "imc.conv2d"(%arg0, %[[W]],
// CHECK-SAME:      convc.source.precision = "{{.*}}reduced-precision.cva:2"
// CHECK-SAME:      convc.weight_precision = "int4"

// INT8: warning: {{.*}}reduced-precision.cva:2:1: reduced_precision opportunity not exploited: thetis executes int8 weights only
// INT8:         "imc.conv2d"
// INT8:         "imc.conv2d"
// INT8-SAME:      convc.source.precision = "heuristic"
// INT8-SAME:      convc.weight_precision = "int8"

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
