"""The `snn` dialect: layers of spiking neurons stepped over time.

A spiking layer runs for T time steps; its input and output are rasters with time as the first
axis ([T, n] int8: spikes 0/1, or signed input currents for a layer fed directly, or membrane
potentials when the layer records them). A feed-forward network runs layer by layer over the
whole window: each layer's output at step t depends only on the inputs up to t, so the
result equals stepping all layers together.

    %s = "snn.lif"(%x, %w, %p) {shift = 2, reset = "subtract", leak = "linear",
                                record = "spikes", weight_bits = 4, membrane_bits = 8}
         : (tensor<16x784xi8>, tensor<784x128xi8>, tensor<128x4xi8>) -> tensor<16x128xi8>

`weights` are integer codes of `weight_bits` bits, scaled by 2^shift into the membrane's
units; `params` holds per neuron [threshold, leak, v_reset, refractory]. The arithmetic (the
engine's, with its widths) is `lif_reference` below; the runtime's SNN unit implements it
independently (runtime/units/snn.py) and the two must agree bit for bit. An integrate-and-fire
neuron is a LIF with leak 0.
"""

from typing import Any

import numpy as np

from convc.dialects.integer import exact_matmul, window_patches
from convc.dialects.verify import check_int_tensor, check_window_shape, first_error, report
from convc.frontend import tosa_eval  # the module, not the name: tosa_eval imports the dialects
from convc.ir.attrs import get_array, get_int, tensor_shape
from convc.ir.util import is_constant
from convc.ir.mlir import ext, ir

Operand, Result = ext.Operand, ext.Result
Tensor = ir.RankedTensorType

RESETS = ("zero", "subtract", "none")  # none: never fires (a leaky integrator)
LEAKS = ("linear", "exponential")
RECORDS = ("spikes", "membrane")
ENCODINGS = ("direct", "rate")


class Snn(ext.Dialect, name="snn"):
    pass


def _string(op, name: str) -> str:
    return ir.StringAttr(op.attributes[name]).value


def lif_reference(x, w, params, shift: int, reset: str, leak: str, record: str, membrane_bits: int) -> np.ndarray:
    """The dense layer over x [T, n_in] (int): each neuron's current at step t is x[t] @ w."""
    x, w = np.asarray(x, np.int64), np.asarray(w, np.int64)
    return lif_stepping(exact_matmul(x, w), params, shift, reset, leak, record, membrane_bits)


def lif_conv_reference(x, w, params, stride, pad, shift: int, reset: str, leak: str, record: str,
                       membrane_bits: int) -> np.ndarray:
    """The convolutional layer over x [T, H, W, Cin]: neuron (y, x, c) sums its window of the
    input (padding 0) times w[c] [k, k, Cin], and shares channel c's parameters."""
    x, w = np.asarray(x, np.int64), np.asarray(w, np.int64)
    patches = window_patches(x, w.shape[1:3], stride, pad)  # [T, Ho, Wo, kh, kw, Cin]
    steps, ho, wo = patches.shape[:3]
    current = exact_matmul(patches.reshape(steps * ho * wo, -1), w.reshape(w.shape[0], -1).T)
    per_neuron = np.tile(np.asarray(params, np.int64), (ho * wo, 1))  # channels last
    out = lif_stepping(current.reshape(steps, -1), per_neuron, shift, reset, leak, record, membrane_bits)
    return out.reshape(steps, ho, wo, w.shape[0])


def lif_stepping(current, params, shift: int, reset: str, leak: str, record: str, membrane_bits: int) -> np.ndarray:
    """Neurons [n] driven by current [T, n]: per step, leak, integrate the current scaled by
    2^shift (a negative shift divides, rounding half up) unless refractory, saturate to the
    membrane's width, fire at v >= threshold, reset (to v_reset, or by subtracting the
    threshold; reset "none" never fires), and record the spikes or the membrane."""
    lo, hi = -(2 ** (membrane_bits - 1)), 2 ** (membrane_bits - 1) - 1
    p = np.asarray(params, np.int64)
    steps, n_out = current.shape
    v = np.zeros(n_out, np.int64)
    quiet = np.zeros(n_out, np.int64)  # refractory steps left
    recorded = np.zeros((steps, n_out), np.int64)
    for t in range(steps):
        if leak == "linear":
            v = np.sign(v) * np.maximum(np.abs(v) - p[:, 1], 0)
        else:
            v = v - ((v * p[:, 1] + 128) >> 8)
        drive = current[t] * (1 << shift) if shift >= 0 else np.floor(current[t] / 2.0 ** -shift + 0.5).astype(np.int64)
        v = np.clip(np.where(quiet > 0, v, v + drive), lo, hi)
        quiet = np.maximum(quiet - 1, 0)
        fired = v >= p[:, 0] if reset != "none" else np.zeros(n_out, bool)
        v = np.where(fired, v - p[:, 0] if reset == "subtract" else p[:, 2], v)
        quiet = np.where(fired, p[:, 3], quiet)
        recorded[t] = v if record == "membrane" else fired
    return recorded


class LifOp(Snn.Operation, name="lif"):
    """A dense layer of leaky integrate-and-fire neurons over T steps."""

    input: Operand[Tensor]
    weights: Operand[Tensor]
    params: Operand[Tensor]
    shift: ir.IntegerAttr
    reset: ir.StringAttr
    leak: ir.StringAttr
    record: ir.StringAttr
    weight_bits: ir.IntegerAttr
    membrane_bits: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, w, params):
        return lif_reference(x, w, params, get_int(self, "shift"), _string(self, "reset"), _string(self, "leak"),
                             _string(self, "record"), get_int(self, "membrane_bits")).astype(np.int8)

    def verify_invariants(self) -> bool:
        return report(self, _lif_problem(self))


def _lif_problem(op) -> Any:
    x, w, p, y = (tensor_shape(v) for v in (op.input, op.weights, op.params, op.output))
    return first_error(
        *(check_int_tensor(v, 8, n) for n, v in (("input", op.input), ("weights", op.weights),
                                                 ("params", op.params), ("result", op.output))),
        None if len(x) == 2 and len(w) == 2 and x[1] == w[0] else
        f"input {x} and weights {w} must be [T, n_in] and [n_in, n_out]",
        None if p == [w[-1], 4] else f"params must be [n_out, 4] (threshold, leak, v_reset, refractory), not {p}",
        None if y == [x[0], w[-1]] else f"the result must be [T, n_out] = {[x[0], w[-1]]}, not {y}",
        *_neuron_problems(op),
    )


class LifConvOp(Snn.Operation, name="lif_conv"):
    """A convolutional layer of leaky integrate-and-fire neurons over T steps, channels last:

        %s = "snn.lif_conv"(%x, %w, %p) {stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, shift = 0,
                                         reset = "subtract", leak = "linear", record = "spikes",
                                         weight_bits = 4, membrane_bits = 8}
             : (tensor<8x16x16x2xi8>, tensor<4x3x3x2xi8>, tensor<4x4xi8>) -> tensor<8x16x16x4xi8>

    `weights` [Cout, kh, kw, Cin] are codes as in `snn.lif`; `params` holds one record per
    output channel, shared by the channel's neurons; padding contributes no current.
    """

    input: Operand[Tensor]
    weights: Operand[Tensor]
    params: Operand[Tensor]
    stride: Any
    pad: Any
    shift: ir.IntegerAttr
    reset: ir.StringAttr
    leak: ir.StringAttr
    record: ir.StringAttr
    weight_bits: ir.IntegerAttr
    membrane_bits: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x, w, params):
        return lif_conv_reference(x, w, params, get_array(self, "stride"), get_array(self, "pad"),
                                  get_int(self, "shift"), _string(self, "reset"), _string(self, "leak"),
                                  _string(self, "record"), get_int(self, "membrane_bits")).astype(np.int8)

    def verify_invariants(self) -> bool:
        return report(self, _lif_conv_problem(self))


def _lif_conv_problem(op) -> Any:
    x, w, p, y = (tensor_shape(v) for v in (op.input, op.weights, op.params, op.output))
    stride, pad = get_array(op, "stride"), get_array(op, "pad")
    return first_error(
        *(check_int_tensor(v, 8, n) for n, v in (("input", op.input), ("weights", op.weights),
                                                 ("params", op.params), ("result", op.output))),
        None if len(x) == 4 and len(w) == 4 and x[3] == w[3] else
        f"input {x} and weights {w} must be [T, H, W, Cin] and [Cout, kh, kw, Cin]",
        None if len(stride) == 2 and min(stride) >= 1 and len(pad) == 4 and min(pad) >= 0 else
        f"stride must be [sy, sx] >= 1 and pad [top, bottom, left, right] >= 0, not {stride} and {pad}",
        None if p == [w[0], 4] else f"params must be [Cout, 4] (threshold, leak, v_reset, refractory), not {p}",
        check_window_shape(op, x, y, w[1:3], w[0]),
        *_neuron_problems(op),
    )


def _neuron_problems(op) -> tuple:
    """The checks a dense and a convolutional layer share: the neuron attributes, the widths,
    the shift, and the constants' ranges."""
    bits, vbits = get_int(op, "weight_bits"), get_int(op, "membrane_bits")
    return (
        None if _string(op, "reset") in RESETS else f"reset must be one of {', '.join(RESETS)}",
        None if _string(op, "leak") in LEAKS else f"leak must be one of {', '.join(LEAKS)}",
        None if _string(op, "record") in RECORDS else f"record must be one of {', '.join(RECORDS)}",
        None if 2 <= bits <= 8 and 2 <= vbits <= 8 else "weight_bits and membrane_bits must be in [2, 8]",
        None if -24 <= get_int(op, "shift") <= 24 else "shift must be in [-24, 24]",
        _constant_problem(op, bits, vbits),
    )


class EncodeOp(Snn.Operation, name="encode"):
    """The input raster of a spiking layer fed by int8 codes (ANN-to-SNN conversion).

    `input` is a vector [1, n] of currents, repeated at each of `steps` steps (direct
    encoding), or a raster [steps, n] passed through; either way `bias_inputs` always-on inputs
    (`bias_level` at every step) follow the n columns, so a layer's bias rides on ordinary synapses:

        %r = "snn.encode"(%x) {steps = 16, bias_inputs = 2, bias_level = 64}
             : (tensor<1x512xi8>) -> tensor<16x514xi8>

    A convolutional layer's input is a map [1, H, W, C] (or a raster [steps, H, W, C]); its
    always-on inputs are `bias_inputs` more channels at every position.

    `encoding = "rate"` draws spikes instead of repeating the currents: value c fires (with
    its sign) at each step with probability |c| / 128, from a counter-based generator seeded
    by `seed` (`rate_reference`); the input must then be one step, [1, ...].
    """

    input: Operand[Tensor]
    steps: ir.IntegerAttr
    bias_inputs: ir.IntegerAttr
    bias_level: ir.IntegerAttr
    encoding: ir.StringAttr
    seed: ir.IntegerAttr
    output: Result[Tensor]

    def reference(self, x):
        steps = get_int(self, "steps")
        if _string(self, "encoding") == "rate":
            x = rate_reference(x, steps, get_int(self, "seed"))
        return encode_reference(x, steps, get_int(self, "bias_inputs"), get_int(self, "bias_level"))

    def verify_invariants(self) -> bool:
        x, y = tensor_shape(self.input), tensor_shape(self.output)
        steps, extra = get_int(self, "steps"), get_int(self, "bias_inputs")
        want = [steps, *x[1:-1], x[-1] + extra] if x else []
        return report(self, first_error(
            check_int_tensor(self.input, 8, "input"), check_int_tensor(self.output, 8, "result"),
            None if steps >= 1 and extra >= 0 else "steps must be >= 1 and bias_inputs >= 0",
            None if 1 <= get_int(self, "bias_level") <= 127 else "bias_level must be in [1, 127] (an int8 input)",
            None if _string(self, "encoding") in ENCODINGS else f"encoding must be one of {', '.join(ENCODINGS)}",
            None if _string(self, "encoding") != "rate" or (x and x[0] == 1) else
            f"a rate encoding draws from one step of currents [1, ...], not {x}",
            None if 0 <= get_int(self, "seed") < 1 << 32 else "seed must be in [0, 2^32)",
            None if len(x) in (2, 4) and x[0] in (1, steps) else
            f"input must be [1 or {steps}, n] or [1 or {steps}, H, W, C], not {x}",
            None if y == want else f"the result must be [steps, ..., last + bias_inputs] = {want}, not {y}"))


def rate_reference(c, steps: int, seed: int) -> np.ndarray:
    """[steps, *c.shape[1:]]: spikes sign(c) with probability |c| / 128 per step. The draw of
    value i (row-major) at step t is the top 7 bits of lowbias32 (C. Wellons' 32-bit integer
    hash: x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16) of
    (seed * 0x9E3779B9 + t * 0x85EBCA6B + i) mod 2^32 — the format's definition, which the
    runtime implements separately."""
    c = np.asarray(c, np.int64).reshape(np.shape(c)[1:])
    out = np.zeros((steps, *c.shape), np.int8)
    flat = c.reshape(-1)
    mask = (1 << 32) - 1
    for t in range(steps):
        x = np.array([(seed * 0x9E3779B9 + t * 0x85EBCA6B + i) & mask for i in range(flat.size)], np.uint64)
        x ^= x >> np.uint64(16)
        x = (x * np.uint64(0x7FEB352D)) & np.uint64(mask)
        x ^= x >> np.uint64(15)
        x = (x * np.uint64(0x846CA68B)) & np.uint64(mask)
        x ^= x >> np.uint64(16)
        fires = (x >> np.uint64(25)).astype(np.int64) < np.abs(flat)
        out[t] = np.where(fires, np.sign(flat), 0).reshape(c.shape)
    return out


def encode_reference(x, steps: int, bias_inputs: int, bias_level: int = 1) -> np.ndarray:
    """[steps, ..., last + bias_inputs]: the input (one step repeated, or one per step), then
    the always-on inputs (bias_level) along the last axis."""
    x = np.asarray(x, np.int8)
    rows = np.broadcast_to(x, (steps, *x.shape[1:]))
    return np.concatenate([rows, np.full((*rows.shape[:-1], bias_inputs), bias_level, np.int8)], axis=-1)


def _constant_problem(op, bits: int, vbits: int):
    """Weight codes and neuron parameters in range, where they are constants."""
    if is_constant(op.weights):
        w = tosa_eval.const_value(op.weights.owner).astype(np.int64)
        if w.size and (w.min() < -(1 << (bits - 1)) or w.max() >= 1 << (bits - 1)):
            return f"weights span [{w.min()}, {w.max()}], beyond {bits}-bit codes"
    if is_constant(op.params):
        p = tosa_eval.const_value(op.params.owner).astype(np.int64).reshape(-1, 4)
        hi = (1 << (vbits - 1)) - 1
        bad = (p[:, 0] < 1) | (p[:, 0] > hi) | (p[:, 1] < 0) | (p[:, 2] < -hi - 1) | (p[:, 2] > hi) | (p[:, 3] < 0)
        if bad.any():
            n = int(np.argmax(bad))
            return (f"neuron {n}: threshold {p[n, 0]}, leak {p[n, 1]}, v_reset {p[n, 2]}, refractory {p[n, 3]} "
                    f"(threshold in [1, {hi}], leak and refractory >= 0, v_reset within {vbits} bits)")
    return None
