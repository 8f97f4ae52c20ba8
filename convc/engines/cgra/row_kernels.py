"""Softmax and layer norm as chains of CGRA kernels, bit-exact with dpu.softmax and
dpu.layernorm (their `reference`, built on convc.dialects.integer).

Both are row-wise: every row needs statistics of the whole row before its first output, so each
is a chain of loop nests (steps.py), `outer` = rows and `inner` = the row's length:

  softmax    max:   m = max(x) per row (a max recurrence)
             sum:   e = table[m - x] per element (stored) and T = sum(e) per row
             div:   out = clamp(out_zp + div_round(e * mult, T << shift))
  layer norm sum:   S = sum(q), q = x - in_zp
             var:   V = sum(c^2), c = N*q - S, as a 64-bit sum (two recurrences with a carry)
             rsqrt: r = max(1, isqrt((V + E) << 2m)), one row per iteration (bit by bit)
             norm:  out = clamp(out_zp + div_round((c*G << m) + B*r, r << k))

The divisions are restoring long divisions of 64-bit numerators by a word (arith64.py),
saturated at 255: the output is int8 and out_zp + 255 is above any clamp, so a saturated
quotient clamps to the same code as the exact one. The generators check, from the op's
constants, the bounds each 32-bit and 64-bit intermediate relies on, and refuse the op
(NoKernel, with the reason) when they do not hold.
"""
from __future__ import annotations

import math

import numpy as np

from convc.dialects.cgra_dfg import Builder
from convc.engines.cgra.arith64 import (add_constant, apply_sign, div_round_saturated, magnitude, shift_left,
                                        wide_add, wide_product, word)
from convc.engines.cgra.kernels import NoKernel, output_params, requantized_store
from convc.engines.cgra.steps import FromConstant, FromOperand, FromStep, Step
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import get_int, numel, tensor_shape
from convc.ir.util import is_constant

QUOTIENT_BITS = 8  # quotients saturate at 255: beyond any int8 clamp from any zero point
ROW_OPS = ("dpu.softmax", "dpu.layernorm")


def _rows(op) -> tuple[int, int]:
    n = tensor_shape(op.output)[-1]
    return numel(op.output) // n, n


def _constant(value, what: str) -> np.ndarray:
    if not is_constant(value):
        raise NoKernel(f"its {what} is not a constant (the kernel's bounds are derived from it)")
    return const_value(value.owner).astype(np.int64).reshape(-1)


def _load_row(b: Builder, n: int):
    """This iteration's int8 code of row `o` (element o * n + i)."""
    return b.load(0, width=1, stride=1, outer_stride=n)


def _per_row(b: Builder, port: int, stride: int, offset: int = 0):
    """A word the row's earlier step left at `offset` of a `stride`-word record per row."""
    return b.load(port, width=4, stride=0, outer_stride=stride, offset=offset)


def softmax_steps(op) -> list[Step]:
    rows, n = _rows(op)
    return softmax_chain(rows, n, _constant(op.table, "table"), get_int(op, "mult"), get_int(op, "shift"),
                         output_params(op))


def softmax_chain(rows: int, n: int, table: np.ndarray, mult: int, shift: int, out) -> list[Step]:
    """dpu.softmax over `rows` rows of `n` codes; `out` = (out_zp, clamp_min, clamp_max)."""
    if table.min() < 0 or table[0] < 1:
        raise NoKernel("its exponential table has entries below 0 (or a zero first entry)")
    if n * int(table.max()) > 1 << 30:
        raise NoKernel(f"a row of {n} sums exponentials beyond 2^30, the divider's word range")
    if mult <= 0 or not 0 <= shift <= 31:
        raise NoKernel(f"its multiplier {mult} and shift {shift} are outside the divider's range")

    b = Builder()
    m = b.recur(-128)
    best = b.op("max", m, _load_row(b, n))
    b.close(m, best)
    b.store(best, 1, width=4, stride=0, outer_stride=1, last=True)
    maximum = b.finish("softmax_max", rows, n, ["input", "row max"])

    b = Builder()
    e = b.gather(b.op("sub", _per_row(b, 1, 1), _load_row(b, n)), port=2, width=4)
    total = b.recur(0)
    running = b.op("add", total, e)
    b.close(total, running)
    b.store(e, 3, width=4, stride=1, outer_stride=n + 1)
    b.store(running, 3, width=4, stride=0, outer_stride=n + 1, offset=n, last=True)
    sums = b.finish("softmax_sum", rows, n, ["input", "row max", "table", "exp and sum"])

    b = Builder()
    e = b.load(0, width=4, stride=1, outer_stride=n + 1)
    q = div_round_saturated(b, wide_product(b, e, imm=mult), _per_row(b, 0, n + 1, offset=n), shift, QUOTIENT_BITS)
    requantized_store(b, q, out, 1, stride=1, outer_stride=n)
    divide = b.finish("softmax_div", rows, n, ["exp and sum", "output"])

    return [Step(maximum, [FromOperand(0)], (rows,)),
            Step(sums, [FromOperand(0), FromStep(0), FromOperand(1)], (rows, n + 1)),
            Step(divide, [FromStep(1)])]


def _isqrt(b: Builder, v, bits: int):
    """floor(sqrt(v)) of a pair v < 2^62 whose root has at most `bits` bits: from the top bit
    down, keep the bit if (r | bit)^2 <= v. Squares are MULH/MUL pairs (r < 2^31, so the
    signed high word is the unsigned one); the compare is the high words' unless they are
    equal, then the low words' (unsigned)."""
    vh, vl = v
    r = None
    for j in range(bits - 1, -1, -1):
        if r is None:  # the first candidate is the constant 2^j
            square = (1 << j) ** 2
            hi, lo = square >> 32, square & 0xFFFFFFFF
            above = b.op("select", b.op("xor", vh, imm=hi), b.op("lt", vh, imm=hi),
                         b.op("ltu", vl, imm=word(lo)))
            r = b.op("shl", b.op("xor", above, imm=1), imm=j)
            continue
        t = b.op("or", r, imm=1 << j)
        th, tl = wide_product(b, t, t)
        above = b.op("select", b.op("xor", th, vh), b.op("lt", vh, th), b.op("ltu", vl, tl))
        r = b.op("select", above, r, t)
    return r


def layernorm_steps(op) -> list[Step]:
    rows, n = _rows(op)
    return layernorm_chain(rows, n, get_int(op, "in_zp"), get_int(op, "eps_term"), _constant(op.gains, "gains"),
                           _constant(op.offsets, "offsets"), get_int(op, "shift"), get_int(op, "sqrt_shift"),
                           output_params(op))


def layernorm_chain(rows: int, n: int, zp: int, eps: int, gains: np.ndarray, offsets: np.ndarray, shift: int,
                    sqrt_shift: int, out) -> list[Step]:
    """dpu.layernorm over `rows` rows of `n` codes; `out` = (out_zp, clamp_min, clamp_max)."""
    v_max = n * (n * 255) ** 2 + eps  # sum(c^2) + E, as passes/layer_norm.py bounds it
    if v_max << (2 * sqrt_shift) >= 1 << 62:
        raise NoKernel("its variance term reaches 2^62, beyond the square root's range")
    r_max = max(1, math.isqrt(v_max << (2 * sqrt_shift)))
    a_max = n * 255 * int(np.abs(gains).max()) * (1 << sqrt_shift) + int(np.abs(offsets).max()) * r_max
    if 2 * a_max + (r_max << shift) >= 1 << 63 or shift > 31:
        raise NoKernel("its normalised terms reach 2^63, beyond the division's 64 bits")

    b = Builder()
    s = b.recur(0)
    running = b.op("add", s, b.op("sub", _load_row(b, n), imm=zp))
    b.close(s, running)
    b.store(running, 1, width=4, stride=0, outer_stride=1, last=True)
    total = b.finish("ln_sum", rows, n, ["input", "row sum"])

    b = Builder()
    row_sum = _per_row(b, 1, 1)
    c = b.op("sub", b.op("mul", b.op("sub", _load_row(b, n), imm=zp), imm=n), row_sum)
    hi, lo = wide_product(b, c, c)
    acc_lo, acc_hi = b.recur(0), b.recur(0)
    lo2 = b.op("add", acc_lo, lo)
    hi2 = b.op("add", acc_hi, b.op("add", hi, b.op("ltu", lo2, lo)))
    b.close(acc_lo, lo2)
    b.close(acc_hi, hi2)
    for k, value in enumerate((hi2, lo2, row_sum)):
        b.store(value, 2, width=4, stride=0, outer_stride=3, offset=k, last=True)
    variance = b.finish("ln_var", rows, n, ["input", "row sum", "sum of squares"])

    b = Builder()
    v = (b.load(0, width=4, stride=3), b.load(0, width=4, stride=3, offset=1))
    r = _isqrt(b, shift_left(b, add_constant(b, v, eps), 2 * sqrt_shift), r_max.bit_length())
    b.store(b.load(0, width=4, stride=3, offset=2), 1, width=4, stride=2)
    b.store(b.op("max", r, imm=1), 1, width=4, stride=2, offset=1)
    root = b.finish("ln_rsqrt", 1, rows, ["sum of squares", "sum and root"])

    b = Builder()
    c = b.op("sub", b.op("mul", b.op("sub", _load_row(b, n), imm=zp), imm=n), _per_row(b, 1, 2))
    r = _per_row(b, 1, 2, offset=1)
    g, beta = b.load(2, width=4, stride=1), b.load(2, width=4, stride=1, offset=n)
    a = wide_add(b, shift_left(b, wide_product(b, c, g), sqrt_shift), wide_product(b, beta, r))
    size, sign = magnitude(b, a)
    q = apply_sign(b, div_round_saturated(b, size, r, shift, QUOTIENT_BITS), sign)
    requantized_store(b, q, out, 3, stride=1, outer_stride=n)
    norm = b.finish("ln_norm", rows, n, ["input", "sum and root", "gains and offsets", "output"])

    params = np.concatenate([gains, offsets]).astype(np.int32)
    return [Step(total, [FromOperand(0)], (rows,)),
            Step(variance, [FromOperand(0), FromStep(0)], (rows, 3)),
            Step(root, [FromStep(1)], (rows, 2)),
            Step(norm, [FromOperand(0), FromStep(2), FromConstant(params)])]


def row_steps(op) -> list[Step]:
    return softmax_steps(op) if op.operation.name == "dpu.softmax" else layernorm_steps(op)
