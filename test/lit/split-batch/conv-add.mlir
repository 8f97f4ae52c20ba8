// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-split-batch --pass convc-allocate-cores | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-split-batch --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --pass convc-schedule | FileCheck %s --check-prefix=ARENA
// RUN: sed 's/"throughput"/"latency"/' %s | convc-opt - --pass convc-quantize --pass convc-lower-to-engines --pass convc-split-batch | FileCheck %s --check-prefix=LATENCY
// RUN: convc-opt %s --target %S/../Inputs/one_core.toml --pass convc-quantize --pass convc-lower-to-engines --pass convc-split-batch 2>&1 | FileCheck %s --check-prefix=ONE

// Throughput objective, 4 frames: thetis has 4 cores, so 4 sub-batches of one frame. The
// convolution and the residual add both compute frames independently: each becomes 4
// copies, copy i of the add reading copy i of the convolution directly (no join between
// them) and band i of the input (a slice view). Only the network output is joined. Copies of
// one layer go to different cores; `replica` names the original layer.

// CHECK-LABEL: func.func @main
// CHECK-DAG:     [[X0:%.+]] = "dpu.slice"(%arg0) {axis = 0 : i64{{.*}}start = 0 : i64} : (tensor<4x8x8x16xi8>) -> tensor<1x8x8x16xi8>
// CHECK-DAG:     [[X3:%.+]] = "dpu.slice"(%arg0) {axis = 0 : i64{{.*}}start = 3 : i64} : (tensor<4x8x8x16xi8>) -> tensor<1x8x8x16xi8>
// CHECK:         [[C0:%.+]] = "imc.conv2d"([[X0]],
// CHECK-SAME:      convc.core = [[K0:[0-9]]] : i64
// CHECK-SAME:      convc.replica = array<i64: 0, 4, 0>
// CHECK-SAME:      convc.source.split_batch = "test:1"
// CHECK-SAME:      -> tensor<1x8x8x16xi8>
// CHECK:         "imc.conv2d"
// CHECK-NOT:       convc.core = [[K0]] :
// CHECK-SAME:      convc.replica = array<i64: 1, 4, 0>
// CHECK:         "imc.conv2d"
// CHECK:         [[C3:%.+]] = "imc.conv2d"([[X3]],
// CHECK-SAME:      convc.replica = array<i64: 3, 4, 0>
// CHECK-NOT:     "dpu.concat"
// CHECK:         [[A0:%.+]] = "dpu.add"([[C0]], [[X0]])
// CHECK-SAME:      convc.core = [[K0]] : i64
// CHECK-SAME:      convc.replica = array<i64: 0, 4, 1>
// CHECK:         "dpu.add"
// CHECK:         "dpu.add"
// CHECK:         [[A3:%.+]] = "dpu.add"([[C3]], [[X3]])
// CHECK:         "dpu.concat"([[A0]],
// CHECK:         "dpu.concat"
// CHECK:         [[J:%.+]] = "dpu.concat"({{.*}}, [[A3]]) {{.*}} -> tensor<4x8x8x16xi8>
// CHECK:         return [[J]]

// Each core's tensors live in an L2 arena of their own (convc-plan-memory under the
// throughput objective), so no copy waits for another core over reused bytes: only the
// joins of the network output wait (for the copies on other cores).
// ARENA-COUNT-4: "imc.conv2d"{{.*}}convc.waits = array<i64>,
// ARENA-COUNT-4: "dpu.add"{{.*}}convc.waits = array<i64>,
// ARENA:         "dpu.concat"{{.*}}convc.waits = array<i64: {{[0-9]+}}>

// The latency objective leaves the batch whole; so does a target with one core (a warning
// says why).
// LATENCY-NOT: dpu.slice
// LATENCY-NOT: convc.replica
// ONE: warning: test:1: batch 4 has no divisor between 2 and {{.*}}'s 1 cores: the batch runs whole on each layer's core
// ONE-NOT: convc.replica

module attributes {convc.objective = "throughput", convc.batch = 4 : i64, convc.objective_source = "test:1"} {
func.func @main(%arg0: tensor<4x8x8x16xf32>) -> tensor<4x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.05> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<4x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8x16xf32> loc("conv")
  %1 = tosa.add %0, %arg0 : (tensor<4x8x8x16xf32>, tensor<4x8x8x16xf32>) -> tensor<4x8x8x16xf32> loc("add")
  return %1 : tensor<4x8x8x16xf32>
}
}
