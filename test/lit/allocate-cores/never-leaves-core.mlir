// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --annotations %S/never-leaves-core.cva | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --annotations %S/never-leaves-core.cva | FileCheck %s --check-prefix=MEM

// `never_leaves_core 3 "branch_a"` pins branch_a and its reader (merge) to core 3 and keeps
// branch_a's output in core 3's L1 (`keep_in_core`). merge is the network output: the host
// reads it from DRAM, so its own constraint pins it to core 3 but cannot keep it there (the
// constraint check reports that). Without constraints branch_a runs on core 0.

// CHECK:         "imc.conv2d"
// CHECK-SAME:      convc.core = 3 : i64
// CHECK-SAME:      convc.keep_in_core = 3 : i64
// CHECK:         "imc.conv2d"
// CHECK-NOT:       convc.keep_in_core
// CHECK:         "dpu.add"
// CHECK-SAME:      convc.core = 3 : i64
// CHECK-NOT:       convc.keep_in_core

// Core 3's L1 is [0x13000000, 0x13400000); the 1 KiB output sits at its top: 0x133ffc00.
// MEM:           "imc.conv2d"
// MEM-SAME:        convc.out_addr = 322960384 : i64
// MEM:           "dpu.add"
// MEM-SAME:        convc.out_addr = 2147{{[0-9]+}} : i64

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
