// RUN: not convc-opt %s --pass convc-quantize --annotations %S/replicate-syntax.cva 2>&1 | FileCheck %s

// `replicate` needs `cores N` after its selector.

// CHECK: error: {{.*}}replicate-syntax.cva:2:17: unexpected end of line, expected cores

func.func @main(%arg0: tensor<1x8xf32>) -> tensor<1x8xf32> {
  return %arg0 : tensor<1x8xf32>
}
