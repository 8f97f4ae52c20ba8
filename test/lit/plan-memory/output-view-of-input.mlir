// Regression test (bug fixed): when a returned value is a view (dpu.reshape) of a network input,
// plan-memory finds no producing op for the output's root, leaves it out of its output table and
// records convc.output_addrs = [0], an address outside every memory region, while the view itself
// gets convc.out_addr = the input's DRAM address.
// RUN: convc-opt %s --pass convc-quantize --pass convc-lower-to-engines --pass convc-allocate-cores --pass convc-tile --pass convc-plan-memory | FileCheck %s

// A flatten of the input is the whole network: the output is the input's bytes, so the
// declared output address must be the DRAM address the view aliases.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    convc.input_addrs = array<i64: [[IN:21[0-9]+]]>
// CHECK-SAME:    convc.output_addrs = array<i64: [[IN]]>
// CHECK:         "dpu.reshape"(%arg0)
// CHECK-SAME:      convc.out_addr = [[IN]] : i64
func.func @main(%arg0: tensor<1x2x2x8xf32>) -> tensor<1x32xf32> {
  %s = tosa.const_shape {values = dense<[1, 32]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %0 = tosa.reshape %arg0, %s : (tensor<1x2x2x8xf32>, !tosa.shape<2>) -> tensor<1x32xf32> loc("flatten")
  return %0 : tensor<1x32xf32>
}
