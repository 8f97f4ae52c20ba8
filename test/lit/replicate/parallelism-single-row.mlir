// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-check-precision --pass convc-replicate --annotations %S/parallelism.cva 2>&1 | FileCheck %s

// A matrix product of one input vector has no rows to share: the opportunity is reported as
// not exploited and the layer stays whole.

// CHECK: warning: {{.*}}parallelism.cva:2:1: parallelism opportunity not exploited: copying the matched layers onto more cores would not shorten the estimated schedule
// CHECK-NOT: replica =

func.func @main(%arg0: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<1x8x4xf32>}> : () -> tensor<1x8x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s2 = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.reshape %arg0, %s3 : (tensor<1x8xf32>, !tosa.shape<3>) -> tensor<1x1x8xf32> loc("fc")
  %1 = tosa.matmul %0, %w, %z, %z : (tensor<1x1x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4xf32> loc("fc")
  %2 = tosa.reshape %1, %s2 : (tensor<1x1x4xf32>, !tosa.shape<2>) -> tensor<1x4xf32> loc("fc")
  return %2 : tensor<1x4xf32>
}
