// RUN: convc-opt %s --target %S/../Inputs/cgra.toml --annotations %S/cgra-budget.cva --pass convc-tile | FileCheck %s
// RUN: not convc-opt %s --target %S/../Inputs/cgra.toml --annotations %S/cgra-budget-too-big.cva --pass convc-tile 2>&1 | FileCheck %s --check-prefix=BIG

// A table lookup has three memory operations (load, gather, store): on the narrow virtual
// core's two LSUs its II is 2, and a `cgra` statement that grants it one LSU makes it 3.
// A budget beyond the virtual core's units cannot be honoured.

// CHECK: convc.cgra_schedule = array<i64: 3, 3, 1,
// BIG: error: {{.*}}cgra-budget-too-big.cva:2:1: cgra rule cannot be honoured: the budget exceeds the virtual core (lsu 3 > 2)
func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %t = arith.constant dense<1> : tensor<256xi8>
  %0 = "dpu.lut"(%arg0, %t) {convc.core = 0 : i64, convc.engine = "cgra", convc.id = 0 : i64, out_scale = 0.1 : f64, out_zp = 0 : i64} : (tensor<1x8xi8>, tensor<256xi8>) -> tensor<1x8xi8> loc("lut")
  return %0 : tensor<1x8xi8>
}
