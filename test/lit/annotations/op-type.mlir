// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --annotations %S/op-type.cva | FileCheck %s
// RUN: sed 's/module attributes.*$/module {/' %s | convc-opt - --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --annotations %S/op-type.cva 2>&1 | FileCheck %s --check-prefix=NOTYPES

// `op TYPE` selectors match the ONNX op type of a layer's node. The frontend records the types
// in the module (`convc.onnx_types`), so IR written by `convc --dump-after` replays in
// convc-opt with the same matches as in `convc`. Without the attribute no node has a type:
// the rules match nothing, and each says so.

// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 2 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}op-type.cva:3"
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 2 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}op-type.cva:3"
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = 3 : i64
// CHECK-SAME:      convc.source.core = "{{.*}}op-type.cva:2"

// NOTYPES-DAG:   warning: {{.*}}op-type.cva:2:1: place rule matches no layer
// NOTYPES-DAG:   warning: {{.*}}op-type.cva:3:1: place rule matches no layer
// NOTYPES:       func.func @main
// NOTYPES-NOT:   convc.source.core = "{{.*}}op-type.cva

module attributes {convc.onnx_types = {branch_a = "Conv", branch_b = "Conv", merge = "Add"}} {
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
}
