"""Kernels the compiler generates as CGRA dataflow graphs, bit-exact with the integer
definitions of the ops they implement (convc.dialects.dpu's `reference` methods).

The DPU's element-wise ops compute `out_zp + rshift_round(sum of (code - zp) * multiplier,
shift)` in 64 bits; a virtual core's units are 32 bits wide, so each product is formed as a
(high, low) pair by MULH and MUL, pairs are added with the carry from an unsigned compare, the
rounding constant is added the same way, and the funnel shift (high << (32 - s)) | (low >> s)
brings the result back to 32 bits (arith64.py): the same bits as the 64-bit definition, for
shifts of 9 or more (below that the result could exceed 32 bits, and the op stays on another
engine). Row-wise ops (softmax, layer norm) are chains of kernels: row_kernels.py.

Ports: 0 is the input, 1 the second operand or the table, the last one the output.
"""
from __future__ import annotations

from convc.dialects.cgra_dfg import Builder, Kernel
from convc.engines.cgra.arith64 import round_shift, wide_add, wide_product
from convc.ir.attrs import get_int, numel

MIN_SHIFT = 9  # results of rshift_round(acc < 2^40, s) fit 32 bits for s >= 9
ELEMENTWISE = ("dpu.add", "dpu.mul", "dpu.rescale", "dpu.lut")


class NoKernel(Exception):
    """The op has no CGRA kernel (the message says why); another engine must take it."""


def output_params(op) -> tuple[int, int, int]:
    """(out_zp, clamp_min, clamp_max) of an op with an int8 result."""
    return get_int(op, "out_zp"), get_int(op, "clamp_min"), get_int(op, "clamp_max")


def requantized_store(b: Builder, v, out: tuple[int, int, int], port: int, **where) -> None:
    """clamp(out_zp + v) to [clamp_min, clamp_max] (`out`), stored as int8 (`where`: the
    store's strides)."""
    out_zp, lo, hi = out
    v = b.op("min", b.op("max", b.op("add", v, imm=out_zp), imm=lo), imm=hi)
    b.store(v, port, **where)


def _shift(op) -> int:
    s = get_int(op, "shift")
    if s < MIN_SHIFT:
        raise NoKernel(f"its shift {s} is below {MIN_SHIFT}: the result may not fit the CGRA's 32-bit units")
    return s


def _rhs_period(op) -> int:
    """The rhs repeats every b_len elements (the DPU's broadcast); 0 = same length as output."""
    b_len = numel(op.operands[1])
    return 0 if b_len == numel(op.output) else b_len


def elementwise_kernel(op) -> Kernel:
    """One element per iteration over the op's output, for a DPU element-wise op (the kernel's
    ports are the op's operands and result, in order); raises NoKernel."""
    name = op.operation.name
    b = Builder()
    if name == "dpu.lut":
        x = b.load(0)
        b.store(b.gather(b.op("add", x, imm=128), port=1), port=2)
        return b.finish("lut", 1, numel(op.output), ["input", "table", "output"])
    if name == "dpu.rescale":
        shift = _shift(op)
        x = b.op("sub", b.load(0), imm=get_int(op, "in_zp"))
        requantized_store(b, round_shift(b, wide_product(b, x, imm=get_int(op, "mult")), shift), output_params(op), 1)
        return b.finish("rescale", 1, numel(op.output), ["input", "output"])
    if name not in ("dpu.add", "dpu.mul"):
        raise NoKernel(f"no CGRA kernel is generated for {name}")
    shift = _shift(op)
    x = b.op("sub", b.load(0), imm=get_int(op, "lhs_zp"))
    y = b.op("sub", b.load(1, period=_rhs_period(op)), imm=get_int(op, "rhs_zp"))
    if name == "dpu.add":
        acc = wide_add(b, wide_product(b, x, imm=get_int(op, "lhs_mult")), wide_product(b, y, imm=get_int(op, "rhs_mult")))
    else:  # (a - za) * (b - zb) is below 2^16 in magnitude: one 32-bit product, then widened
        acc = wide_product(b, b.op("mul", x, y), imm=get_int(op, "mult"))
    requantized_store(b, round_shift(b, acc, shift), output_params(op), 2)
    return b.finish(name.split(".")[1], 1, numel(op.output), ["lhs", "rhs", "output"])
