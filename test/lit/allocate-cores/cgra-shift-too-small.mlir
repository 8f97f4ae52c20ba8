// RUN: not convc-opt %s --target %S/../Inputs/cgra.toml --annotations %S/cgra-shift-too-small.cva --pass convc-allocate-cores 2>&1 | FileCheck %s

// A rescale by a multiplier with shift 5: its result can exceed the 32 bits the CGRA's units
// compute in (the kernels reproduce the DPU's 64-bit arithmetic only for shifts of 9 or more),
// so the virtual cores refuse it, and the `place` rule that asks for it cannot be honoured.

// CHECK: error: {{.*}}cgra-shift-too-small.cva:2:1: place rule cannot be honoured: {{.*}}its shift 5 is below 9
func.func @main(%arg0: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %0 = "dpu.rescale"(%arg0) {clamp_max = 127 : i64, clamp_min = -128 : i64, in_zp = 0 : i64, mult = 1073741824 : i64, out_scale = 0.1 : f64, out_zp = 0 : i64, shift = 5 : i64} : (tensor<1x8xi8>) -> tensor<1x8xi8> loc("r")
  return %0 : tensor<1x8xi8>
}
