"""Kernels the compiler generates as CGRA dataflow graphs, bit-exact with the integer
definitions of the ops they implement (convc.dialects.dpu's `reference` methods).

The DPU's element-wise ops compute `out_zp + rshift_round(sum of (code - zp) * multiplier,
shift)` in 64 bits; a virtual core's units are 32 bits wide, so each product is formed as a
(high, low) pair by MULH and MUL, pairs are added with the carry from an unsigned compare, the
rounding constant is added the same way, and the funnel shift (high << (32 - s)) | (low >> s)
brings the result back to 32 bits: the same bits as the 64-bit definition, for shifts of 9 or
more (below that the result could exceed 32 bits, and the op stays on another engine).

Ports: 0 is the input, 1 the second operand or the table, the last one the output.
"""
from __future__ import annotations

from convc.dialects.cgra_dfg import Builder, Kernel
from convc.ir.attrs import get_int, numel

MIN_SHIFT = 9  # results of rshift_round(acc < 2^40, s) fit 32 bits for s >= 9
ELEMENTWISE = ("dpu.add", "dpu.mul", "dpu.rescale", "dpu.lut")


class NoKernel(Exception):
    """The op has no CGRA kernel (the message says why); another engine must take it."""


def _wide_product(b: Builder, x, mult: int):
    """x * mult as (high, low) 32-bit halves."""
    return b.op("mulh", x, imm=mult), b.op("mul", x, imm=mult)


def _wide_add(b: Builder, p, q):
    (h1, l1), (h2, l2) = p, q
    lo = b.op("add", l1, l2)
    carry = b.op("ltu", lo, l1)
    return b.op("add", b.op("add", h1, h2), carry), lo


def _round_shift(b: Builder, wide, shift: int):
    """rshift_round of a (high, low) pair: add 2^(shift-1) with carry, then shift right."""
    hi, lo = wide
    if shift - 1 < 32:
        half = ((1 << (shift - 1)) + (1 << 31)) % (1 << 32) - (1 << 31)  # as a signed word
        lo = b.op("add", lo, imm=half)
        hi = b.op("add", hi, b.op("ltu", lo, imm=half))
    else:
        hi = b.op("add", hi, imm=1 << (shift - 33))
    if shift < 32:
        return b.op("or", b.op("shl", hi, imm=32 - shift), b.op("shr", lo, imm=shift))
    return hi if shift == 32 else b.op("sra", hi, imm=shift - 32)


def _requantized_store(b: Builder, v, op, port: int) -> None:
    v = b.op("add", v, imm=get_int(op, "out_zp"))
    v = b.op("min", b.op("max", v, imm=get_int(op, "clamp_min")), imm=get_int(op, "clamp_max"))
    b.store(v, port)


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
        _requantized_store(b, _round_shift(b, _wide_product(b, x, get_int(op, "mult")), shift), op, 1)
        return b.finish("rescale", 1, numel(op.output), ["input", "output"])
    if name not in ("dpu.add", "dpu.mul"):
        raise NoKernel(f"no CGRA kernel is generated for {name}")
    shift = _shift(op)
    x = b.op("sub", b.load(0), imm=get_int(op, "lhs_zp"))
    y = b.op("sub", b.load(1, period=_rhs_period(op)), imm=get_int(op, "rhs_zp"))
    if name == "dpu.add":
        acc = _wide_add(b, _wide_product(b, x, get_int(op, "lhs_mult")), _wide_product(b, y, get_int(op, "rhs_mult")))
    else:  # (a - za) * (b - zb) is below 2^16 in magnitude: one 32-bit product, then widened
        acc = _wide_product(b, b.op("mul", x, y), get_int(op, "mult"))
    _requantized_store(b, _round_shift(b, acc, shift), op, 2)
    return b.finish(name.split(".")[1], 1, numel(op.output), ["lhs", "rhs", "output"])
