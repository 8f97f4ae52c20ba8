// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --annotations %S/conv-rows.cva | FileCheck %s
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory --annotations %S/conv-rows.cva | FileCheck %s --check-prefix=MEM
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate | FileCheck %s --check-prefix=NONE

// A 3x3 convolution (pad 1) with 8 output rows, copied onto 3 cores: bands of ceil(8/3) = 3
// rows. Band 0 (rows 0-2) reads input rows 0-3 and keeps the top padding; band 1 (rows 3-5)
// reads rows 2-6 and needs no padding; band 2 (rows 6-8) reads rows 5-7 and pads two rows at
// the bottom: its row 8 is past the end, so a slice view crops the joined 9 rows to 8. The
// bands are joined by a chain of binary concats.
// The copies go to three different cores.

// CHECK-LABEL: func.func @main
// CHECK:         [[IN0:%.+]] = "dpu.slice"(%arg0) {axis = 1 : i64{{.*}}start = 0 : i64} : (tensor<1x8x8x16xi8>) -> tensor<1x4x8x16xi8>
// CHECK:         [[B0:%.+]] = "imc.conv2d"([[IN0]],
// CHECK-SAME:      convc.core = [[C0:[0-9]]] : i64
// CHECK-SAME:      convc.replica = array<i64: 0, 3, 0>
// CHECK-SAME:      convc.source.replicate = "{{.*}}conv-rows.cva:2"
// CHECK-SAME:      pad = array<i64: 1, 0, 1, 1>
// CHECK-SAME:      -> tensor<1x3x8x16xi8>
// CHECK:         [[IN1:%.+]] = "dpu.slice"(%arg0) {{{.*}}start = 2 : i64} : (tensor<1x8x8x16xi8>) -> tensor<1x5x8x16xi8>
// CHECK:         [[B1:%.+]] = "imc.conv2d"([[IN1]],
// CHECK-NOT:       convc.core = [[C0]] :
// CHECK-SAME:      convc.replica = array<i64: 1, 3, 0>
// CHECK-SAME:      pad = array<i64: 0, 0, 1, 1>
// CHECK:         [[IN2:%.+]] = "dpu.slice"(%arg0) {{{.*}}start = 5 : i64} : (tensor<1x8x8x16xi8>) -> tensor<1x3x8x16xi8>
// CHECK:         [[B2:%.+]] = "imc.conv2d"([[IN2]],
// CHECK-SAME:      convc.replica = array<i64: 2, 3, 0>
// CHECK-SAME:      pad = array<i64: 0, 2, 1, 1>
// CHECK:         [[J01:%.+]] = "dpu.concat"([[B0]], [[B1]]) {{.*}} -> tensor<1x6x8x16xi8>
// CHECK:         [[J:%.+]] = "dpu.concat"([[J01]], [[B2]]) {{.*}} -> tensor<1x9x8x16xi8>
// CHECK:         [[OUT:%.+]] = "dpu.slice"([[J]]) {{{.*}}start = 0 : i64} : (tensor<1x9x8x16xi8>) -> tensor<1x8x8x16xi8>
// CHECK:         return [[OUT]]

// Views point into their root's buffer: the input's band 1 starts 2 rows (2*8*16 = 0x100
// bytes) into the input, band 2 5 rows (0x280) in; the crop aliases the joined rows.
// (The input sits at DRAM 0x800009c0 = 2147486144, after the constants the three copies share: stored once.)
// MEM:         "dpu.slice"(%arg0) {{{.*}}convc.out_addr = 2147486144 : i64{{.*}}start = 0 : i64}
// MEM:         "dpu.slice"(%arg0) {{{.*}}convc.out_addr = 2147486400 : i64{{.*}}start = 2 : i64}
// MEM:         "dpu.slice"(%arg0) {{{.*}}convc.out_addr = 2147486784 : i64{{.*}}start = 5 : i64}
// MEM:         "dpu.concat"
// MEM:         "dpu.concat"{{.*}}convc.out_addr = [[J:[0-9]+]] : i64
// MEM:         "dpu.slice"{{.*}}convc.out_addr = [[J]] : i64

// Without a rule, nothing is replicated.
// NONE-NOT:    dpu.slice
// NONE-NOT:    convc.replica

func.func @main(%arg0: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<16x3x3x16xf32>}> : () -> tensor<16x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x16xf32> loc("conv")
  return %0 : tensor<1x8x8x16xf32>
}
