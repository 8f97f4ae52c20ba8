"""The `imc` dialect: in-memory-computing crossbar cores.

A digital SRAM IMC array holds an int8 weight tile and multiplies int8 input vectors with it,
accumulating in 32 bits. Its results leave the core through the DPU's requantizer, so the ops
here carry the requantization (bias, per-channel multiplier and shift, zero points, clamp) and
produce int8 tensors directly. The tiling pass adds `tile_rows`, `tile_cols`, `m_block` and the
array size; the verifier then checks that every tile fits the array.

The analog flavour (an analog layer: ternary weights, inputs quantized into the DAC's range,
`convc.dac_range` and `convc.adc_range` set by the lowering) computes like the digital one
until convc-calibrate-engines gives it an ADC gain (`convc.adc_shift`). From then on its
semantics are the analog array's on the tiles convc-tile chose: each row tile's column sums
pass the gain and the ADC's clip before the tiles are added (integer.analog_tiles), so the
reference models exactly the tiling that the stream executes.
"""

from typing import Any

import numpy as np

from convc.ir.mlir import ext, ir
from convc.dialects.integer import analog_tiles, exact_matmul, requantize, window_patches
from convc.ir.attrs import get_array, get_int, tensor_shape
from convc.ir.schema import ADC_RANGE, ADC_SHIFT, DAC_RANGE, TILE_ROWS
from convc.dialects.verify import (
    check_int_tensor,
    check_requant,
    check_tiles,
    check_window_shape,
    first_error,
    report,
)

Operand, Result = ext.Operand, ext.Result
Tensor = ir.RankedTensorType


class Imc(ext.Dialect, name="imc"):
    pass


def _products(op, x, w):
    """x [M, K] @ w [K, N] as the array computes it: exact, or through the analog array's tiles."""
    if not ADC_SHIFT.has(op):
        return exact_matmul(x, w)
    return analog_tiles(x, w, TILE_ROWS.get(op, w.shape[0]), DAC_RANGE.get(op), ADC_RANGE.get(op), ADC_SHIFT.get(op))


def _requantize(op, acc, bias):
    return requantize(acc, bias, get_array(op, "mult"), get_array(op, "shift"), get_int(op, "out_zp"),
                      get_int(op, "clamp_min"), get_int(op, "clamp_max"))


class Conv2dOp(Imc.Operation, name="conv2d"):
    """NHWC int8 convolution on the IMC array (im2col rows x output-channel columns).

    weights: int8 [Cout, kh, kw, Cin]; bias: int32 [Cout] with -in_zp * sum(W) already folded in.
    """

    input: Operand[Tensor]
    weights: Operand[Tensor]
    bias: Operand[Tensor]
    stride: Any
    pad: Any
    dilation: Any
    in_zp: ir.IntegerAttr
    mult: Any
    shift: Any
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def kernel_shape(self):
        return tensor_shape(self.weights)[1:3]

    def matrix_rows(self, x):
        """The input vectors the array multiplies: windows of x (padding = in_zp) as rows of
        (ky, kx, cin), [N*Ho*Wo, K] int64."""
        patches = window_patches(x.astype(np.int64), tensor_shape(self.weights)[1:3], get_array(self, "stride"),
                                 get_array(self, "pad"), get_array(self, "dilation"), fill=get_int(self, "in_zp"))
        return patches.reshape(-1, int(np.prod(patches.shape[3:])))

    def reference(self, x, w, bias):
        """Integer semantics: windows of x times w, requantized."""
        acc = _products(self, self.matrix_rows(x), w.astype(np.int64).transpose(1, 2, 3, 0).reshape(-1, w.shape[0]))
        return _requantize(self, acc.reshape(tensor_shape(self.output)), bias)

    def verify_invariants(self) -> bool:
        w_shape = tensor_shape(self.weights)
        msg = first_error(
            check_int_tensor(self.input, 8, "input"),
            check_int_tensor(self.weights, 8, "weights"),
            check_int_tensor(self.bias, 32, "bias"),
            check_int_tensor(self.output, 8, "result"),
            None if len(w_shape) == 4 else "weights must be [Cout, kh, kw, Cin]",
        )
        if not msg:
            in_shape = tensor_shape(self.input)
            msg = first_error(
                None if in_shape[3] == w_shape[3] else
                f"input has {in_shape[3]} channels, weights expect {w_shape[3]}",
                check_window_shape(self, in_shape, tensor_shape(self.output), w_shape[1:3], w_shape[0]),
                check_requant(self, w_shape[0]),
                check_tiles(self),
            )
        return report(self, msg)


class MatmulOp(Imc.Operation, name="matmul"):
    """int8 [..., K] x [K, N] on the IMC array; bias int32 [N] (zero point folded in)."""

    input: Operand[Tensor]
    weights: Operand[Tensor]
    bias: Operand[Tensor]
    in_zp: ir.IntegerAttr
    mult: Any
    shift: Any
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def matrix_rows(self, x):
        return x.astype(np.int64).reshape(-1, x.shape[-1])

    def reference(self, x, w, bias):
        acc = _products(self, self.matrix_rows(x), w.astype(np.int64))
        return _requantize(self, acc.reshape(tensor_shape(self.output)), bias)

    def verify_invariants(self) -> bool:
        in_shape, w_shape = tensor_shape(self.input), tensor_shape(self.weights)
        out_shape = tensor_shape(self.output)
        msg = first_error(
            check_int_tensor(self.input, 8, "input"),
            check_int_tensor(self.weights, 8, "weights"),
            check_int_tensor(self.bias, 32, "bias"),
            check_int_tensor(self.output, 8, "result"),
            None if len(w_shape) == 2 else "weights must be [K, N]",
        )
        if not msg:
            msg = first_error(
                None if in_shape[-1] == w_shape[0] else
                f"input rows {in_shape[-1]} do not match weight rows {w_shape[0]}",
                None if out_shape == in_shape[:-1] + [w_shape[1]] else
                f"result shape {out_shape} is not {in_shape[:-1] + [w_shape[1]]}",
                check_requant(self, w_shape[1]),
                check_tiles(self),
            )
        return report(self, msg)


def dot_product_shape(op) -> tuple[int, int, int]:
    """(M, K, N) of the matrix product an IMC op performs: M input vectors of K rows, N columns."""
    w_shape = tensor_shape(op.weights)
    out_shape = tensor_shape(op.output)
    if isinstance(op, Conv2dOp):
        m = out_shape[0] * out_shape[1] * out_shape[2]
        return m, w_shape[1] * w_shape[2] * w_shape[3], w_shape[0]
    m = 1
    for d in out_shape[:-1]:
        m *= d
    return m, w_shape[0], w_shape[1]


IMC_OPS = (Conv2dOp, MatmulOp)
__all__ = ["Imc", "Conv2dOp", "MatmulOp", "IMC_OPS", "dot_product_shape", "get_array"]
