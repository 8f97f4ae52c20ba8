"""64-bit integer arithmetic on a virtual core's 32-bit units, as dataflow-graph fragments.

The integer definitions the kernels must match (convc.dialects.integer) compute in int64; a
virtual core has 32-bit ALUs and multipliers, so a 64-bit value is a (high, low) pair of words:
the high word signed, the low word unsigned. Every helper emits the operations into a Builder
and returns the resulting pair (or word); the kernels that use them state the bounds that keep
each intermediate inside the range the helper assumes.
"""
from __future__ import annotations

from convc.dialects.cgra_dfg import Builder

Pair = tuple  # (high word, low word) node indices


def word(v: int) -> int:
    """v modulo 2^32 as a signed 32-bit immediate."""
    return ((int(v) + (1 << 31)) % (1 << 32)) - (1 << 31)


def wide_product(b: Builder, x, y=None, imm: int | None = None) -> Pair:
    """x * y (or x * imm) as a signed 64-bit pair: MULH gives the high word, MUL the low."""
    if imm is not None:
        return b.op("mulh", x, imm=imm), b.op("mul", x, imm=imm)
    return b.op("mulh", x, y), b.op("mul", x, y)


def wide_add(b: Builder, p: Pair, q: Pair) -> Pair:
    """p + q: the carry out of the low words is an unsigned compare (sum < one addend)."""
    (h1, l1), (h2, l2) = p, q
    lo = b.op("add", l1, l2)
    carry = b.op("ltu", lo, l1)
    return b.op("add", h1, b.op("add", h2, carry)), lo


def add_constant(b: Builder, p: Pair, value: int) -> Pair:
    """p + value for a 64-bit constant."""
    hi, lo = p
    low = word(value & 0xFFFFFFFF)
    lo = b.op("add", lo, imm=low)
    carry = b.op("ltu", lo, imm=low)
    return b.op("add", hi, b.op("add", carry, imm=word(value >> 32))), lo


def shift_left(b: Builder, p: Pair, n: int) -> Pair:
    """p << n for 0 <= n <= 32 (the caller guarantees no bits leave the high word)."""
    hi, lo = p
    if n == 0:
        return p
    if n == 32:
        return lo, b.op("and", lo, imm=0)
    return b.op("or", b.op("shl", hi, imm=n), b.op("shr", lo, imm=32 - n)), b.op("shl", lo, imm=n)


def shift_right(b: Builder, p: Pair, n: int, arithmetic: bool = False) -> Pair:
    """p >> n for 0 <= n < 64: the funnel shift (high << (32 - n)) | (low >> n)."""
    hi, lo = p
    right = "sra" if arithmetic else "shr"
    if n == 0:
        return p
    if n < 32:
        return b.op(right, hi, imm=n), b.op("or", b.op("shl", hi, imm=32 - n), b.op("shr", lo, imm=n))
    top = b.op("sra", hi, imm=31) if arithmetic else b.op("and", hi, imm=0)
    return top, (hi if n == 32 else b.op(right, hi, imm=n - 32))


def round_shift(b: Builder, p: Pair, shift: int):
    """rshift_round of a pair to a word: add 2^(shift-1) with carry, then shift right (the
    caller guarantees the result fits 32 bits)."""
    hi, lo = p
    if shift - 1 < 32:
        half = word(1 << (shift - 1))
        lo = b.op("add", lo, imm=half)
        hi = b.op("add", hi, b.op("ltu", lo, imm=half))
    else:
        hi = b.op("add", hi, imm=1 << (shift - 33))
    if shift < 32:
        return b.op("or", b.op("shl", hi, imm=32 - shift), b.op("shr", lo, imm=shift))
    return hi if shift == 32 else b.op("sra", hi, imm=shift - 32)


def magnitude(b: Builder, p: Pair):
    """(|p|, sign) with sign = 0 for p >= 0 and -1 (all ones) below: |p| = (p ^ sign) - sign."""
    hi, lo = p
    sign = b.op("sra", hi, imm=31)
    neg = b.op("shr", hi, imm=31)
    lo2 = b.op("add", b.op("xor", lo, sign), neg)
    carry = b.op("ltu", lo2, neg)
    return (b.op("add", b.op("xor", hi, sign), carry), lo2), sign


def apply_sign(b: Builder, x, sign):
    """x for sign 0, -x for sign -1."""
    return b.op("sub", b.op("xor", x, sign), sign)


def udiv_saturated(b: Builder, n: Pair, d, bits: int):
    """min(floor(n / d), 2^bits - 1) for a non-negative 64-bit n and 1 <= d <= 2^31.

    Restoring long division over the quotient's `bits` low bits: n >> bits is below d exactly
    when the quotient fits (otherwise the result saturates), and is then the first partial
    remainder; each step brings in the next bit of n and subtracts d where it fits. Every
    partial remainder is below 2d <= 2^32, so one unsigned word holds it."""
    top_hi, top_lo = shift_right(b, n, bits)
    fits = b.op("and", b.op("ltu", top_hi, imm=1), b.op("ltu", top_lo, d))
    d_minus_1 = b.op("sub", d, imm=1)
    rem, q = top_lo, None
    for j in range(bits - 1, -1, -1):
        bit = b.op("and", b.op("shr", n[1], imm=j), imm=1)
        rem = b.op("or", b.op("add", rem, rem), bit)
        ge = b.op("ltu", d_minus_1, rem)
        rem = b.op("select", ge, b.op("sub", rem, d), rem)
        q = ge if q is None else b.op("or", b.op("add", q, q), ge)
    return b.op("select", fits, q, imm=(1 << bits) - 1)


def div_round_saturated(b: Builder, a: Pair, t, s: int, bits: int):
    """min(floor((2a + t * 2^s) / (t * 2^(s+1))), 2^bits - 1) for a >= 0 and 1 <= t <= 2^31:
    integer.div_round(a, t << s) of a non-negative a, saturated. The numerator is formed in
    64 bits (the caller bounds it below 2^64), the 2^(s+1) divides out by a shift (the
    quotient of quotients is the quotient), and t is the word divisor."""
    if not 0 <= s <= 31:
        raise ValueError("div_round_saturated needs 0 <= s <= 31")
    t_shifted = (b.op("shr", t, imm=32 - s) if s else b.op("and", t, imm=0)), b.op("shl", t, imm=s)
    numerator = wide_add(b, shift_left(b, a, 1), t_shifted)
    return udiv_saturated(b, shift_right(b, numerator, s + 1), t, bits)
