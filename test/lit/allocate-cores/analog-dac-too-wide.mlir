// RUN: not convc-opt %s --target %S/../Inputs/analog.toml --pass convc-allocate-cores 2>&1 | FileCheck %s

// An analog layer whose input was quantized for 8-bit signed DAC codes ([-128, 127]), but the
// target's DACs take 7 bits: the analog array refuses it, and so does the digital array (it
// has no ternary mode), so the layer cannot be placed. The error names the node and each
// engine's reason. (The signed 7-bit range of this array, [-64, 63], is what the lowering
// writes; here the IR says otherwise.)

// CHECK: error: node 'fc' (imc.matmul): no engine of analog can run it (group 'mixed': aimc: the layer was quantized for DAC codes [-128, 127] and ADC codes [-32, 31], this core's array has 7-bit DACs and 6-bit ADCs; imc: its arrays have no mode for 2-bit weights with 8-bit inputs (weights [8], inputs [8]))
module {
  func.func @main(%arg0: tensor<1x64xi8>) -> tensor<1x16xi8> attributes {convc.input_names = ["-"], convc.input_scales = [0.027315523110184016], convc.input_zps = array<i64: 15>, convc.output_scales = [0.040481529048844882], convc.output_zps = array<i64: 38>} {
    %0 = "dpu.reshape"(%arg0) {convc.act_bits = 8 : i64, convc.id = 0 : i64, convc.source.precision = "heuristic"} : (tensor<1x64xi8>) -> tensor<1x1x64xi8>
    %1 = "dpu.rescale"(%0) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.act_bits = 8 : i64, convc.id = 1 : i64, convc.source.precision = "heuristic", in_zp = 15 : i64, mult = 1922223125 : i64, out_scale = 0.061033121949317412 : f64, out_zp = 0 : i64, shift = 32 : i64} : (tensor<1x1x64xi8>) -> tensor<1x1x64xi8>
    %cst = arith.constant dense<1> : tensor<64x16xi8>
    %cst_0 = arith.constant dense<0> : tensor<16xi32>
    %2 = "imc.matmul"(%1, %cst, %cst_0) {clamp_max = 127 : i64, clamp_min = -128 : i64, convc.act_bits = 8 : i64, convc.adc_range = array<i64: -32, 31>, convc.analog_sensitivity = 0.022586675855035959 : f64, convc.dac_range = array<i64: -128, 127>, convc.id = 2 : i64, convc.in_bits = 8 : i64, convc.source.precision = "convc-analog-split", convc.weight_precision = "ternary", in_zp = 0 : i64, mult = array<i32: 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223, 1618857223>, out_scale = 0.040481529048844882 : f64, out_zp = 38 : i64, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31>} : (tensor<1x1x64xi8>, tensor<64x16xi8>, tensor<16xi32>) -> tensor<1x1x16xi8> loc("fc")
    %3 = "dpu.reshape"(%2) {convc.act_bits = 8 : i64, convc.id = 3 : i64, convc.source.precision = "heuristic"} : (tensor<1x1x16xi8>) -> tensor<1x16xi8>
    return %3 : tensor<1x16xi8>
  }
}

