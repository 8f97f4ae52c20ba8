// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-split-batch | FileCheck %s
// RUN: sed 's/convc.batch = 6/convc.batch = 5/; s/tensor<6x/tensor<5x/g; s/1536/1280/g' %s | convc-opt - --pass convc-quantize --pass convc-lower-to-engines --pass convc-split-batch 2>&1 | FileCheck %s --check-prefix=FIVE

// 6 frames on 4 cores: 3 sub-batches of 2 (the largest divisor of 6 not above 4). The
// convolution splits; the matrix product that follows reads all frames as one vector (a
// reshape [6,4,4,16] -> [1,1,1536] mixes the frames, so the samples have no axis there): it
// stays whole and reads the copies' outputs joined by a concat chain. 5 frames have no
// divisor between 2 and 4: a warning, nothing split.

// CHECK-LABEL: func.func @main
// CHECK-COUNT-3: "imc.conv2d"({{.*}}convc.replica = array<i64: {{[0-2]}}, 3, 0>{{.*}} -> tensor<2x4x4x16xi8>
// CHECK:         "dpu.concat"
// CHECK:         [[J:%.+]] = "dpu.concat"({{.*}}) {axis = 0 : i64{{.*}}} : (tensor<4x4x4x16xi8>, tensor<2x4x4x16xi8>) -> tensor<6x4x4x16xi8>
// CHECK:         [[R:%.+]] = "dpu.reshape"([[J]])
// CHECK:         "imc.matmul"([[R]],
// CHECK-NOT:       convc.replica

// FIVE: warning: test:2: batch 5 has no divisor between 2 and {{.*}}'s 4 cores
// FIVE-NOT: convc.replica

module attributes {convc.objective = "throughput", convc.batch = 6 : i64, convc.objective_source = "test:2"} {
func.func @main(%arg0: tensor<6x4x4x16xf32>) -> tensor<1x1x8xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.05> : tensor<16x1x1x16xf32>}> : () -> tensor<16x1x1x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<16xf32>}> : () -> tensor<16xf32>
  %m = "tosa.const"() <{values = dense<0.01> : tensor<1x1536x8xf32>}> : () -> tensor<1x1536x8xf32>
  %s = tosa.const_shape {values = dense<[1, 1, 1536]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.conv2d %arg0, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<6x4x4x16xf32>, tensor<16x1x1x16xf32>, tensor<16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<6x4x4x16xf32> loc("conv")
  %1 = tosa.reshape %0, %s : (tensor<6x4x4x16xf32>, !tosa.shape<3>) -> tensor<1x1x1536xf32> loc("fc")
  %2 = tosa.matmul %1, %m, %z, %z : (tensor<1x1x1536xf32>, tensor<1x1536x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x8xf32> loc("fc")
  return %2 : tensor<1x1x8xf32>
}
}
