"""The `dpu` dialect: the digital vector unit beside each IMC core.

It runs what the crossbar cannot: element-wise arithmetic, pooling, depthwise convolution,
layout changes and rescaling. All ops take and produce int8 tensors; arithmetic ops carry the
integer multipliers, shifts and zero points that make them bit-exact.
"""

from typing import Any

import numpy as np

from convc.ir.mlir import ext, ir
from convc.dialects.integer import (div_round, exact_matmul, layer_norm, log_softmax, repeat_to, requantize,
                                    resize_nearest_index, resize_taps, rshift_round, window_patches)
from convc.ir.attrs import get_array, get_int, numel, tensor_shape
from convc.dialects.verify import (
    check_clamp,
    check_int_tensor,
    check_multiplier,
    check_requant,
    check_window_shape,
    check_zero_point,
    first_error,
    report,
)

Operand, Result = ext.Operand, ext.Result
Tensor = ir.RankedTensorType


class Dpu(ext.Dialect, name="dpu"):
    pass


def _centered(op, a, b):
    """Both operands of an element-wise op, flat, minus their zero points; b repeated to a."""
    return (a.reshape(-1).astype(np.int64) - get_int(op, "lhs_zp"),
            repeat_to(b, a.size) - get_int(op, "rhs_zp"))


def _clamp(op, y):
    return np.clip(y, get_int(op, "clamp_min"), get_int(op, "clamp_max")).astype(np.int8)


def _int8_io(op, *values):
    return first_error(*(check_int_tensor(v, 8, n) for n, v in values))


class DwConv2dOp(Dpu.Operation, name="dwconv2d"):
    """Depthwise NHWC convolution; weights int8 [kh, kw, C], bias int32 [C]."""

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
        return tensor_shape(self.weights)[:2]

    def reference(self, x, w, bias):
        zp = get_int(self, "in_zp")
        patches = window_patches(x.astype(np.int64), w.shape[:2], get_array(self, "stride"), get_array(self, "pad"),
                                 get_array(self, "dilation"), fill=zp) - zp
        acc = np.einsum("nhwyxc,yxc->nhwc", patches, w.astype(np.int64))
        return requantize(acc, bias, get_array(self, "mult"), get_array(self, "shift"), get_int(self, "out_zp"),
                          get_int(self, "clamp_min"), get_int(self, "clamp_max"))

    def verify_invariants(self) -> bool:
        w_shape, in_shape = tensor_shape(self.weights), tensor_shape(self.input)
        msg = first_error(
            _int8_io(self, ("input", self.input), ("weights", self.weights), ("result", self.output)),
            check_int_tensor(self.bias, 32, "bias"),
            None if len(w_shape) == 3 else "weights must be [kh, kw, C]",
        )
        if not msg:
            msg = first_error(
                None if in_shape[3] == w_shape[2] else "depthwise weights and input disagree on channels",
                check_window_shape(self, in_shape, tensor_shape(self.output), w_shape[:2], w_shape[2]),
                check_requant(self, w_shape[2]),
            )
        return report(self, msg)


class AddOp(Dpu.Operation, name="add"):
    """out = clamp(out_zp + rshift_round((lhs-lhs_zp)*lhs_mult + (rhs-rhs_zp)*rhs_mult, shift)).

    rhs may be smaller than lhs: it is broadcast by repetition (per-channel or scalar).
    """

    lhs: Operand[Tensor]
    rhs: Operand[Tensor]
    lhs_zp: ir.IntegerAttr
    lhs_mult: ir.IntegerAttr
    rhs_zp: ir.IntegerAttr
    rhs_mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, a, b):
        a64, b64 = _centered(self, a, b)
        acc = a64 * get_int(self, "lhs_mult") + b64 * get_int(self, "rhs_mult")
        return _clamp(self, get_int(self, "out_zp") + rshift_round(acc, get_int(self, "shift"))).reshape(a.shape)

    def verify_invariants(self) -> bool:
        shift = get_int(self, "shift")
        msg = first_error(
            _int8_io(self, ("lhs", self.lhs), ("rhs", self.rhs), ("result", self.output)),
            _check_broadcast(self.lhs, self.rhs, self.output),
            check_multiplier(get_int(self, "lhs_mult"), shift, "lhs"),
            check_multiplier(get_int(self, "rhs_mult"), shift, "rhs"),
            check_zero_point(self, "lhs_zp"), check_zero_point(self, "rhs_zp"),
            check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class MulOp(Dpu.Operation, name="mul"):
    """out = clamp(out_zp + rshift_round((lhs-lhs_zp)*(rhs-rhs_zp)*mult, shift))."""

    lhs: Operand[Tensor]
    rhs: Operand[Tensor]
    lhs_zp: ir.IntegerAttr
    rhs_zp: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, a, b):
        a64, b64 = _centered(self, a, b)
        y = get_int(self, "out_zp") + rshift_round(a64 * b64 * get_int(self, "mult"), get_int(self, "shift"))
        return _clamp(self, y).reshape(a.shape)

    def verify_invariants(self) -> bool:
        msg = first_error(
            _int8_io(self, ("lhs", self.lhs), ("rhs", self.rhs), ("result", self.output)),
            _check_broadcast(self.lhs, self.rhs, self.output),
            check_multiplier(get_int(self, "mult"), get_int(self, "shift"), "mul"),
            check_zero_point(self, "lhs_zp"), check_zero_point(self, "rhs_zp"),
            check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class BatchMatmulOp(Dpu.Operation, name="batch_matmul"):
    """A product of two activations (attention's Q.K^T and P.V): lhs [B, M, K] times rhs
    [B, K, N], out = clamp(out_zp + rshift_round(sum_k (lhs-lhs_zp)(rhs-rhs_zp) * mult, shift)).
    On the DPU, not the IMC array: the array holds weights, and a run-time operand would need
    reprogramming per image plus column sums for its zero point."""

    lhs: Operand[Tensor]
    rhs: Operand[Tensor]
    lhs_zp: ir.IntegerAttr
    rhs_zp: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, a, b):
        a64 = a.astype(np.int64) - get_int(self, "lhs_zp")
        b64 = b.astype(np.int64) - get_int(self, "rhs_zp")
        acc = exact_matmul(a64, b64)
        return _clamp(self, get_int(self, "out_zp") + rshift_round(acc * get_int(self, "mult"), get_int(self, "shift")))

    def verify_invariants(self) -> bool:
        a, b, out = tensor_shape(self.lhs), tensor_shape(self.rhs), tensor_shape(self.output)
        shapes_ok = len(a) == len(b) == len(out) == 3 and a[0] == b[0] == out[0] and a[2] == b[1] and \
            out[1:] == [a[1], b[2]]
        msg = first_error(
            _int8_io(self, ("lhs", self.lhs), ("rhs", self.rhs), ("result", self.output)),
            None if shapes_ok else f"shapes {a} x {b} -> {out} are not [B, M, K] x [B, K, N] -> [B, M, N]",
            None if not shapes_ok or a[2] < 1 << 15 else "batch_matmul needs K < 2^15 (accumulators below 2^31)",
            check_multiplier(get_int(self, "mult"), get_int(self, "shift"), "batch_matmul"),
            check_zero_point(self, "lhs_zp"), check_zero_point(self, "rhs_zp"),
            check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class MaxPoolOp(Dpu.Operation, name="maxpool"):
    """Window maximum; the result keeps the input's quantization."""

    input: Operand[Tensor]
    kernel: Any
    stride: Any
    pad: Any
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    output: Result[Tensor]

    def kernel_shape(self):
        return get_array(self, "kernel")

    def reference(self, x):
        patches = window_patches(x.astype(np.int64), get_array(self, "kernel"), get_array(self, "stride"),
                                 get_array(self, "pad"), fill=-(1 << 40))
        return patches.max(axis=(3, 4)).astype(np.int8)

    def verify_invariants(self) -> bool:
        in_shape = tensor_shape(self.input)
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            check_window_shape(self, in_shape, tensor_shape(self.output), get_array(self, "kernel"), in_shape[-1]),
        )
        return report(self, msg)


class AvgPoolOp(Dpu.Operation, name="avgpool"):
    """Window mean: clamp(out_zp + div_round(sum(x - in_zp) * mult, count << shift))."""

    input: Operand[Tensor]
    kernel: Any
    stride: Any
    pad: Any
    count_include_pad: ir.IntegerAttr
    in_zp: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def kernel_shape(self):
        return get_array(self, "kernel")

    def reference(self, x):
        kernel, stride, pad = get_array(self, "kernel"), get_array(self, "stride"), get_array(self, "pad")
        zp = get_int(self, "in_zp")
        total = window_patches(x.astype(np.int64) - zp, kernel, stride, pad, fill=0).sum(axis=(3, 4))
        if get_int(self, "count_include_pad"):
            count = np.full(total.shape, kernel[0] * kernel[1], np.int64)
        else:
            ones = np.ones(x.shape[:3] + (1,), np.int64)
            count = window_patches(ones, kernel, stride, pad, fill=0).sum(axis=(3, 4))
        num = total * get_int(self, "mult")
        den = np.broadcast_to(count << get_int(self, "shift"), num.shape)
        q = div_round(num, den)
        return _clamp(self, get_int(self, "out_zp") + q)

    def verify_invariants(self) -> bool:
        in_shape = tensor_shape(self.input)
        shift = get_int(self, "shift")
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            check_window_shape(self, in_shape, tensor_shape(self.output), get_array(self, "kernel"), in_shape[-1]),
            check_multiplier(get_int(self, "mult"), shift, "avgpool"),
            None if shift <= 40 else f"avgpool shift {shift} exceeds 40",
            check_zero_point(self, "in_zp"), check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class ResizeOp(Dpu.Operation, name="resize"):
    """TOSA RESIZE on int8 NHWC: output pixel (y, x) reads input position
    ((y * scale[1] + offset[0]) / scale[0], (x * scale[3] + offset[1]) / scale[2]).

    `bilinear` 0 (nearest): the code of the nearest input pixel, quantization unchanged.
    `bilinear` 1: acc = sum over the 4 neighbours of (v - in_zp) * wy * wx with integer
    weights wy in {scale[0] - r, r} (they sum to scale[0] * scale[2]), then
    clamp(out_zp + rshift_round(acc * mult, shift)); mult / 2^shift folds in the division.
    """

    input: Operand[Tensor]
    bilinear: ir.IntegerAttr
    scale: Any
    offset: Any
    in_zp: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x):
        (yn, yd, xn, xd), (oy, ox) = get_array(self, "scale"), get_array(self, "offset")
        _, out_h, out_w, _ = tensor_shape(self.output)
        y0, y1, ry = resize_taps(out_h, yn, yd, oy, x.shape[1])
        x0, x1, rx = resize_taps(out_w, xn, xd, ox, x.shape[2])
        if not get_int(self, "bilinear"):
            return x[:, resize_nearest_index(y0, y1, ry, yn)][:, :, resize_nearest_index(x0, x1, rx, xn)]
        v = x.astype(np.int64) - get_int(self, "in_zp")
        wy0, wy1 = (yn - ry)[None, :, None, None], ry[None, :, None, None]
        wx0, wx1 = (xn - rx)[None, None, :, None], rx[None, None, :, None]
        acc = ((v[:, y0][:, :, x0] * wx0 + v[:, y0][:, :, x1] * wx1) * wy0
               + (v[:, y1][:, :, x0] * wx0 + v[:, y1][:, :, x1] * wx1) * wy1)
        return _clamp(self, get_int(self, "out_zp") + rshift_round(acc * get_int(self, "mult"), get_int(self, "shift")))

    def verify_invariants(self) -> bool:
        in_shape, out = tensor_shape(self.input), tensor_shape(self.output)
        scale, offset = get_array(self, "scale"), get_array(self, "offset")
        msg = _int8_io(self, ("input", self.input), ("result", self.output))
        if not msg and (len(in_shape) != 4 or len(out) != 4 or (in_shape[0], in_shape[3]) != (out[0], out[3])):
            msg = f"resize maps {in_shape} to {out}: both must be NHWC with the same N and C"
        if not msg and (len(scale) != 4 or len(offset) != 2):
            msg = "resize needs scale [y_n, y_d, x_n, x_d] and offset [y, x]"
        if not msg:
            msg = _check_resize_scale(scale, offset)
        if not msg and get_int(self, "bilinear"):
            msg = first_error(check_multiplier(get_int(self, "mult"), get_int(self, "shift"), "resize"),
                              check_zero_point(self, "in_zp"), check_zero_point(self, "out_zp"), check_clamp(self))
        return report(self, msg)


def _check_resize_scale(scale, offset):
    """TOSA's limits: 0 < scale_n <= 2048, 0 < scale_d < 16 * scale_n, -scale_n <= offset < 16 * scale_n."""
    for n, d, off in ((scale[0], scale[1], offset[0]), (scale[2], scale[3], offset[1])):
        if not (0 < n <= 2048 and 0 < d < 16 * n and -n <= off < 16 * n):
            return f"resize scale {scale} / offset {offset} outside TOSA's limits"
    return None


class RescaleOp(Dpu.Operation, name="rescale"):
    """Change of quantization (and optional clamp, i.e. a standalone ReLU) on int8 data."""

    input: Operand[Tensor]
    in_zp: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x):
        y = rshift_round((x.astype(np.int64) - get_int(self, "in_zp")) * get_int(self, "mult"), get_int(self, "shift"))
        return _clamp(self, get_int(self, "out_zp") + y)

    def verify_invariants(self) -> bool:
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            None if tensor_shape(self.input) == tensor_shape(self.output) else "rescale changes the shape",
            check_multiplier(get_int(self, "mult"), get_int(self, "shift"), "rescale"),
            check_zero_point(self, "in_zp"), check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class LutOp(Dpu.Operation, name="lut"):
    """Any function of one int8 code as a 256-entry table: `out = table[x + 128]`.

    The compiler computes the table from the float function (sigmoid, GELU, ...) and the input
    and output quantization, so the op is exact by construction: no integer approximation of
    the function exists to drift from the reference.
    """

    input: Operand[Tensor]
    table: Operand[Tensor]
    out_scale: ir.FloatAttr
    out_zp: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, table):
        return np.asarray(table, np.int8).reshape(-1)[x.astype(np.int64) + 128]

    def verify_invariants(self) -> bool:
        msg = first_error(
            _int8_io(self, ("input", self.input), ("table", self.table), ("result", self.output)),
            None if tensor_shape(self.table) == [256] else f"table has shape {tensor_shape(self.table)}, not [256]",
            None if tensor_shape(self.input) == tensor_shape(self.output) else "lut changes the shape",
            check_zero_point(self, "out_zp"),
        )
        return report(self, msg)


def _row_table_checks(op, entries: int, what: str) -> tuple:
    """What the ops over rows with an int32 table share: int8 in and out of one shape, and a
    table of `entries` int32 values."""
    shape = tensor_shape(op.table)
    return (_int8_io(op, ("input", op.input), ("result", op.output)),
            check_int_tensor(op.table, 32, "table"),
            None if shape == [entries] else f"table has shape {shape}, not [{entries}]",
            None if tensor_shape(op.input) == tensor_shape(op.output) else f"{what} changes the shape")


class SoftmaxOp(Dpu.Operation, name="softmax"):
    """Softmax over the innermost axis (passes/softmax.py): per row, d = max - x, e = table[d]
    (int32, 2^16 * exp(-s_in * d)), out = clamp(out_zp + div_round(e * mult, sum(e) << shift))."""

    input: Operand[Tensor]
    table: Operand[Tensor]
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, table):
        rows = x.reshape(-1, x.shape[-1]).astype(np.int64)
        e = np.asarray(table, np.int64).reshape(-1)[rows.max(axis=1, keepdims=True) - rows]
        total = e.sum(axis=1, keepdims=True)
        q = div_round(e * get_int(self, "mult"), total << get_int(self, "shift"))
        return _clamp(self, get_int(self, "out_zp") + q).reshape(x.shape)

    def verify_invariants(self) -> bool:
        shift = get_int(self, "shift")
        msg = first_error(
            *_row_table_checks(self, 256, "softmax"),
            check_multiplier(get_int(self, "mult"), shift, "softmax"),
            None if shift <= 30 and tensor_shape(self.input)[-1] < 1 << 17 else
            "softmax needs shift <= 30 and rows shorter than 2^17 (sum << shift below 2^63)",
            check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class LogSoftmaxOp(Dpu.Operation, name="log_softmax"):
    """Log-softmax over the innermost axis (passes/softmax.py): integer.log_softmax gives y in
    2^-16 units, out = clamp(out_zp + rshift_round(y * mult, shift)). table: the softmax's
    exponential table (256 int32) then ln(1 + (f + 1/2) / 256) in 2^-16 units (256 int32)."""

    input: Operand[Tensor]
    table: Operand[Tensor]
    step: ir.IntegerAttr
    mult: ir.IntegerAttr
    shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, table):
        table = np.asarray(table, np.int64).reshape(-1)
        y = log_softmax(x, table[:256], table[256:], get_int(self, "step"))
        return _clamp(self, get_int(self, "out_zp") + rshift_round(y * get_int(self, "mult"), get_int(self, "shift")))

    def verify_invariants(self) -> bool:
        mult, step = get_int(self, "mult"), get_int(self, "step")
        msg = first_error(
            *_row_table_checks(self, 512, "log_softmax"),
            check_multiplier(mult, get_int(self, "shift"), "log_softmax"),
            None if mult > 0 and 0 <= step < 1 << 22 and tensor_shape(self.input)[-1] < 1 << 16 else
            "log_softmax needs mult > 0, step in [0, 2^22) and rows shorter than 2^16 (products below 2^62)",
            check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class LayerNormOp(Dpu.Operation, name="layernorm"):
    """Layer normalisation over the innermost axis (passes/layer_norm.py): per row of N codes
    q = x - in_zp, c = N*q - sum(q), r = max(1, isqrt((sum(c^2) + eps_term) << 2*sqrt_shift)),
    out = clamp(out_zp + div_round((c * gains << sqrt_shift) + offsets * r, r << shift))."""

    input: Operand[Tensor]
    gains: Operand[Tensor]
    offsets: Operand[Tensor]
    in_zp: ir.IntegerAttr
    eps_term: ir.IntegerAttr
    shift: ir.IntegerAttr
    sqrt_shift: ir.IntegerAttr
    out_zp: ir.IntegerAttr
    out_scale: ir.FloatAttr
    clamp_min: ir.IntegerAttr
    clamp_max: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, gains, offsets):
        y = layer_norm(x, get_int(self, "in_zp"), get_int(self, "eps_term"), gains, offsets,
                       get_int(self, "shift"), get_int(self, "sqrt_shift"))
        return _clamp(self, get_int(self, "out_zp") + y)

    def verify_invariants(self) -> bool:
        n = tensor_shape(self.input)[-1]
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            check_int_tensor(self.gains, 32, "gains"), check_int_tensor(self.offsets, 32, "offsets"),
            None if tensor_shape(self.gains) == [n] and tensor_shape(self.offsets) == [n] else
            f"gains and offsets must have shape [{n}] (one per element of a row)",
            None if tensor_shape(self.input) == tensor_shape(self.output) else "layernorm changes the shape",
            None if 0 <= get_int(self, "shift") <= 30 and 0 <= get_int(self, "sqrt_shift") <= 16 else
            "layernorm needs shift in [0, 30] and sqrt_shift in [0, 16]",
            None if 0 <= get_int(self, "eps_term") < 1 << 62 and n < 1 << 14 else
            "layernorm needs eps_term in [0, 2^62) and rows shorter than 2^14",
            check_zero_point(self, "in_zp"), check_zero_point(self, "out_zp"), check_clamp(self),
        )
        return report(self, msg)


class TransposeOp(Dpu.Operation, name="transpose"):
    input: Operand[Tensor]
    perms: Any
    output: Result[Tensor]

    def reference(self, x):
        return np.ascontiguousarray(np.transpose(x, get_array(self, "perms")))

    def verify_invariants(self) -> bool:
        perms = get_array(self, "perms")
        in_shape = tensor_shape(self.input)
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            None if sorted(perms) == list(range(len(in_shape))) and len(perms) <= 4 else
            f"perms {perms} is not a permutation of rank {len(in_shape)} (at most 4)",
        )
        if not msg and tensor_shape(self.output) != [in_shape[p] for p in perms]:
            msg = "result shape does not match the permutation"
        return report(self, msg)


class ReshapeOp(Dpu.Operation, name="reshape"):
    """A view: same bytes, new shape. Emits no command; the memory plan aliases the buffers."""

    input: Operand[Tensor]
    output: Result[Tensor]

    IS_VIEW = True

    def reference(self, x):
        return x.reshape(tensor_shape(self.output))

    def verify_invariants(self) -> bool:
        msg = first_error(
            _int8_io(self, ("input", self.input), ("result", self.output)),
            None if numel(self.input) == numel(self.output) else "reshape changes the element count",
        )
        return report(self, msg)


class SliceOp(Dpu.Operation, name="slice"):
    """A view: `output.shape[axis]` consecutive entries of the input along `axis`, from `start`.

    Only a contiguous byte range is a view, so every dimension before `axis` must be 1 (e.g. a
    band of rows [1, h, W, C] of a batch-1 feature map). Emits no command.
    """

    input: Operand[Tensor]
    axis: ir.IntegerAttr
    start: ir.IntegerAttr
    output: Result[Tensor]

    IS_VIEW = True

    def reference(self, x):
        axis, start = get_int(self, "axis"), get_int(self, "start")
        return np.take(x, range(start, start + tensor_shape(self.output)[axis]), axis=axis)

    def verify_invariants(self) -> bool:
        axis, in_shape = get_int(self, "axis"), tensor_shape(self.input)
        msg = _check_slice(self)
        if not msg and any(d != 1 for d in in_shape[:axis]):
            msg = f"a slice along axis {axis} of {in_shape} is not contiguous (dimensions before it must be 1)"
        return report(self, msg)


class ExtractOp(Dpu.Operation, name="extract"):
    """A copy of `output.shape[axis]` consecutive entries along `axis`, from `start`, where
    they are not one contiguous byte range (a channel group of an NHWC map, a slice of a
    batch): the inverse of dpu.concat, lowered to one strided DMA."""

    input: Operand[Tensor]
    axis: ir.IntegerAttr
    start: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x):
        axis, start = get_int(self, "axis"), get_int(self, "start")
        return np.ascontiguousarray(np.take(x, range(start, start + tensor_shape(self.output)[axis]), axis=axis))

    def verify_invariants(self) -> bool:
        return report(self, _check_slice(self))


def slice_along(x, axis: int, start: int, size: int, loc):
    """`size` entries of int8 value `x` along `axis` from `start`: a view where the bytes
    are contiguous (every dimension before `axis` is 1), else a strided copy."""
    shape = tensor_shape(x)
    if start == 0 and size == shape[axis]:
        return x
    out = list(shape)
    out[axis] = size
    kind = SliceOp if all(d == 1 for d in shape[:axis]) else ExtractOp
    i64_type = ir.IntegerType.get_signless(64)
    return kind(x, ir.IntegerAttr.get(i64_type, axis), ir.IntegerAttr.get(i64_type, start),
                output=Tensor.get(out, ir.IntegerType.get_signless(8)), loc=loc).output


def _check_slice(op):
    axis, start = get_int(op, "axis"), get_int(op, "start")
    in_shape, out = tensor_shape(op.input), tensor_shape(op.output)
    msg = _int8_io(op, ("input", op.input), ("result", op.output))
    if not msg and not (0 <= axis < len(in_shape) and len(out) == len(in_shape)):
        msg = f"axis {axis} is not a dimension of {in_shape} (or the ranks differ)"
    if not msg and any(a != b for i, (a, b) in enumerate(zip(in_shape, out)) if i != axis):
        msg = f"result {out} differs from input {in_shape} outside axis {axis}"
    if not msg and not (0 <= start and start + out[axis] <= in_shape[axis]):
        msg = f"entries [{start}, {start + out[axis]}) exceed the input's {in_shape[axis]} along axis {axis}"
    return msg


class ConcatOp(Dpu.Operation, name="concat"):
    """`lhs` and `rhs` side by side along `axis` (same quantization); lowered to strided DMA.

    Binary on purpose: IRDL binds one type to all operands of a variadic, so an N-ary concat
    could not join tensors of different widths. N inputs are a left-leaning chain.
    """

    lhs: Operand[Tensor]
    rhs: Operand[Tensor]
    axis: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, lhs, rhs):
        return np.concatenate([lhs, rhs], axis=get_int(self, "axis"))

    def verify_invariants(self) -> bool:
        axis = get_int(self, "axis")
        shapes = [tensor_shape(self.lhs), tensor_shape(self.rhs)]
        out = tensor_shape(self.output)
        msg = _int8_io(self, ("lhs", self.lhs), ("rhs", self.rhs), ("result", self.output))
        if not msg and not 0 <= axis < len(out):
            msg = f"axis {axis} is not a dimension of {out}"
        for s in shapes:
            if not msg and (len(s) != len(out) or any(a != b for i, (a, b) in enumerate(zip(s, out)) if i != axis)):
                msg = f"input shape {s} does not match result {out} outside axis {axis}"
        if not msg and sum(s[axis] for s in shapes) != out[axis]:
            msg = "inputs do not add up to the result along the concatenation axis"
        return report(self, msg)


def concat(parts, axis, result_shape, loc):
    """A chain of binary dpu.concat joining `parts` (int8 values) along `axis`."""
    joined, width = parts[0], tensor_shape(parts[0])[axis]
    elem = ir.IntegerType.get_signless(8)
    for part in parts[1:]:
        width += tensor_shape(part)[axis]
        shape = list(result_shape)
        shape[axis] = width
        joined = ConcatOp(joined, part, ir.IntegerAttr.get(ir.IntegerType.get_signless(64), axis),
                          output=Tensor.get(shape, elem), loc=loc).output
    return joined


def _check_broadcast(lhs, rhs, out):
    n_l, n_r = numel(lhs), numel(rhs)
    if tensor_shape(out) != tensor_shape(lhs):
        return "result must have the lhs shape"
    if n_r == 0 or n_l % n_r:
        return f"rhs of {n_r} elements cannot broadcast over {n_l}"
    return None


__all__ = ["Dpu", "DwConv2dOp", "AddOp", "MulOp", "BatchMatmulOp", "MaxPoolOp", "AvgPoolOp", "ResizeOp", "RescaleOp",
           "LutOp", "SoftmaxOp", "LogSoftmaxOp", "LayerNormOp", "TransposeOp", "ReshapeOp", "SliceOp", "ExtractOp", "ConcatOp", "concat", "slice_along", "check_requant"]
