// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/hetero.toml | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/dpu_host.toml | FileCheck %s --check-prefix=HOST
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/dpu_only.toml 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --target %S/../Inputs/imc_no_dpu.toml 2>&1 | FileCheck %s --check-prefix=NODPU

// hetero: cores 0-1 have an IMC array and a DPU, cores 2-3 a DPU only, core 4 is the host.
// The convolutions can only run on an IMC core (or, far slower, the host): they land on cores
// 0-1. The residual add is element-wise work any DPU can do.
// CHECK-LABEL: func.func @main
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = {{[01]}} : i64, convc.engine = "imc"
// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = {{[01]}} : i64, convc.engine = "imc"
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = {{[0-3]}} : i64, convc.engine = "dpu"

// dpu_host: no array anywhere. The convolutions fall back to the host (core 1), which runs
// any engine op; the add stays on the DPU core.
// HOST:         "imc.conv2d"
// HOST-SAME:      convc.core = 1 : i64, convc.engine = "host"
// HOST:         "imc.conv2d"
// HOST-SAME:      convc.core = 1 : i64, convc.engine = "host"
// HOST:         "dpu.add"
// HOST-SAME:      convc.engine = "{{dpu|host}}"

// dpu_only: nothing can run a convolution, and the error says why for every core group.
// NONE: error: node 'branch_a' (imc.conv2d): no engine of dpu_only can run it (group 'dpu': no engine runs imc.conv2d (engines: dpu))
// NONE-NOT: func.func

// imc_no_dpu: the array is there, but its engine refuses without a DPU beside it.
// NODPU: error: node 'branch_a' (imc.conv2d): no engine of imc_no_dpu can run it (group 'imc': imc: its array needs a DPU on the same core (im2col, requantization))

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
