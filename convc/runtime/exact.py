"""Exact integer arithmetic for the kernels: int32 wrap-around, rounding shifts and
divisions, and integer matrix products through float BLAS where that is provably exact.

Arithmetic is int64 with two's complement wrap-around (numpy integer arrays wrap silently),
which is what "computed in 64-bit" means for a hardware datapath.
"""
from __future__ import annotations

import numpy as np

i64 = np.int64

# A float BLAS product of integer matrices is exact when every partial sum is an integer that
# the float type represents exactly, whatever order or blocking the BLAS adds in: |s| <= 2^24
# for float32, 2^53 for float64. max|x| times the largest column sum of |w| bounds every partial
# sum of every output, so that bound picks the cheapest exact type. int8 x int8 with
# K <= 1024 (every IMC array and most host layers) stays within float32, which is twice as
# fast as float64 and much faster than numpy's int64 matmul (no BLAS at all).
F32_EXACT, F64_EXACT = 1 << 24, 1 << 53


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 -> int32 keeping the low 32 bits (two's complement wrap-around, as the
    hardware's 32-bit accumulators), spelled out so it never depends on cast behaviour.
    int32 input is already wrapped (numpy's int32 arithmetic wraps) and passes through."""
    if values.dtype == np.int32:
        return values
    return (values & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def exact_type(x_bound: int, w: np.ndarray):
    """The float type whose matmul with w [..., k, n] is exact for inputs |x| <= x_bound, or
    None."""
    w_bound = int(np.abs(w if w.dtype == i64 else w.astype(i64)).sum(axis=-2).max()) if w.size else 0
    bound = x_bound * w_bound
    return np.float32 if bound <= F32_EXACT else np.float64 if bound <= F64_EXACT else None


def magnitude(x: np.ndarray) -> int:
    """max |x| without np.abs, which wraps int8's -128 to itself."""
    return max(-int(x.min()), int(x.max())) if x.size else 0


class ExactWeights:
    """A weight matrix [k, n] of integer codes prepared once for many exact products with
    int8-range inputs (|x| <= 128): an IMC array's programmed tile."""

    def __init__(self, codes: np.ndarray):
        self.shape = codes.shape
        self.type = exact_type(128, codes) or i64
        self.values = codes.astype(self.type)

    def times(self, x: np.ndarray) -> np.ndarray:
        """x [..., k] (int8 range) @ the weights, exactly, as one matrix product over all
        leading axes: int32 when the float32 path applies (every sum is below 2^24), int64
        otherwise."""
        lead = x.shape[:-1]
        y = x.astype(self.type).reshape(-1, self.shape[0]) @ self.values
        return y.astype(np.int32 if self.type is np.float32 else i64).reshape(lead + (self.shape[1],))


def exact_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The exact int64 product x [..., m, k] @ w [..., k, n] of integer arrays (np.matmul's
    broadcasting; see F32_EXACT)."""
    kind = exact_type(magnitude(x), w)
    if kind is None:
        return x.astype(i64) @ w.astype(i64)
    return (x.astype(kind, copy=False) @ w.astype(kind, copy=False)).astype(i64)


def rshift_round(x: np.ndarray, s) -> np.ndarray:
    """(x + 2^(s-1)) >> s with an arithmetic shift: rounds ties towards +inf."""
    s = np.asarray(s, i64)
    return (x + (i64(1) << (s - 1))) >> s


def div_round(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b (b > 0) rounded to nearest, ties away from zero."""
    q = (np.abs(a) + b // 2) // b
    return np.where(a < 0, -q, q)


def isqrt(v: np.ndarray) -> np.ndarray:
    """floor(sqrt(v)) for int64 v in [0, 2^62]: float64's root, corrected by one either way."""
    r = np.floor(np.sqrt(v.astype(np.float64))).astype(i64)
    r = np.where(r * r > v, r - 1, r)
    return np.where((r + 1) * (r + 1) <= v, r + 1, r)
