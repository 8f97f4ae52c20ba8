// RUN: convc-opt %s --target %S/../Inputs/small_l2.toml --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-split-batch --pass convc-keep-resident | FileCheck %s
// RUN: convc-opt %s --target %S/../Inputs/small_l2.toml --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-split-batch --pass convc-keep-resident --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory | FileCheck %s --check-prefix=MEM
// RUN: sed 's/"throughput"/"latency"/' %s | convc-opt - --target %S/../Inputs/small_l2.toml --pass convc-quantize --pass convc-lower-to-engines --pass convc-keep-resident | FileCheck %s --check-prefix=LATENCY

// Throughput objective on a 16 KiB L2: what the activations will take stays free (the
// first layer's 4 one-frame outputs, 1 KiB, and the second layer's outputs with the concat
// chain that joins them into the network output, about 9 KiB more). The first layer's
// constants (a 16x16 weight tile and its requantization parameters), shared by its 4
// copies, fit what is left and become resident; the second layer's 9 KiB of weights do not
// and stay in DRAM.

// CHECK-COUNT-4: "imc.conv2d"({{.*}}convc.source.resident = "test:3"{{.*}} -> tensor<1x4x4x16xi8>
// CHECK-NOT:     convc.source.resident
// CHECK:         return

// The plan preloads the shared weights once at the bottom of L2 (0x20000000 = 536870912),
// the activations above them; the second layer reads DRAM (0x8...).
// MEM-COUNT-4:   "imc.conv2d"({{.*}}convc.const.weights = 536870912 : i64{{.*}} -> tensor<1x4x4x16xi8>
// MEM:           "imc.conv2d"({{.*}}convc.const.weights = 21474836{{[0-9]+}} : i64{{.*}} -> tensor<1x4x4x64xi8>

// LATENCY-NOT: convc.source.resident

module attributes {convc.objective = "throughput", convc.batch = 4 : i64, convc.objective_source = "test:3"} {
func.func @main(%arg0: tensor<4x4x4x16xf32>) -> tensor<4x4x4x64xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense<0.05> : tensor<16x1x1x16xf32>}> : () -> tensor<16x1x1x16xf32>
  %b1 = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %w2 = "tosa.const"() <{values = dense<0.02> : tensor<64x3x3x16xf32>}> : () -> tensor<64x3x3x16xf32>
  %b2 = "tosa.const"() <{values = dense<0.0> : tensor<64xf32>}> : () -> tensor<64xf32>
  %0 = tosa.conv2d %arg0, %w1, %b1, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<4x4x4x16xf32>, tensor<16x1x1x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x4x4x16xf32> loc("conv1")
  %1 = tosa.conv2d %0, %w2, %b2, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<4x4x4x16xf32>, tensor<64x3x3x16xf32>, tensor<64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x4x4x64xf32> loc("conv2")
  return %1 : tensor<4x4x4x64xf32>
}
}
