"""The row kernels behind DPU_SOFTMAX, DPU_LOG_SOFTMAX, DPU_LAYERNORM and DPU_BATCH_MATMUL (and
their HOST_* twins): per row of a matrix, with tables or parameters read from memory.

They are written for one sample's memory.Memory and run sample after sample in a batch
(`per_sample`): they sit at the ends of transformer blocks and classifiers, where the work is
small, and their tables and overflow checks read more simply per sample. Otherwise as
kernels.py.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from .errors import StreamError
from .exact import div_round, exact_matmul, i64, isqrt, rshift_round

if TYPE_CHECKING:
    from .memory import Memory


def per_sample(kernel):
    """Run a kernel written for one sample's Memory on each sample of a BatchMemory (a single
    Memory is taken as it is)."""
    @functools.wraps(kernel)
    def run(mem, f: dict, flags: int) -> None:
        if hasattr(mem, "as_batch"):
            kernel(mem, f, flags)
            return
        for i in range(mem.batch):
            kernel(mem.sample(i), f, flags)
    return run


def _store(mem: Memory, addr: int, f: dict, values: np.ndarray) -> None:
    """Clamp, then write as contiguous int8 (the clamp range is validated to lie in int8)."""
    mem.write(addr, np.clip(values, f["clamp_min"], f["clamp_max"]).astype(np.int8))


def _load(mem: Memory, addr: int, n: int, dtype=np.int8) -> np.ndarray:
    return mem.view(addr, 1, n, n * np.dtype(dtype).itemsize, dtype)[0]


@per_sample
def softmax(mem: Memory, f: dict, flags: int) -> None:
    """Per row of `len` int8 codes: d = max - x, e = table[d] (int32 entries in [0, 2^16]),
    out = clamp(out_zp + div_round(e * mult, sum(e) << shift))."""
    rows, n = f["rows"], f["len"]
    if rows * n == 0:
        return
    table = mem.read(f["table_addr"], 1024).view("<i4").astype(i64)
    if table.min() < 0 or table.max() > 1 << 16:
        raise StreamError(f"SOFTMAX table at {f['table_addr']:#x} has entries outside [0, 2^16]")
    x = _load(mem, f["in_addr"], rows * n).astype(i64).reshape(rows, n)
    e = table[x.max(axis=1, keepdims=True) - x]
    q = div_round(e * f["mult"], e.sum(axis=1, keepdims=True) << i64(f["shift"]))
    _store(mem, f["out_addr"], f, f["out_zp"] + q)


LN2_Q16 = 45426  # round(2^16 * ln 2)


@per_sample
def log_softmax(mem: Memory, f: dict, flags: int) -> None:
    """Per row of `len` int8 codes: d = max - x, S = sum(exp[d]), k = floor(log2 S),
    y = -(d * step) - ((k - 16) * LN2_Q16 + log[(S >> (k - 8)) & 255]) (2^-16 units),
    out = clamp(out_zp + rshift_round(y * mult, shift)). table: exp (256 int32, entries in
    [0, 2^16], the first 2^16) then log (256 int32, in [0, 2^16))."""
    rows, n = f["rows"], f["len"]
    if rows * n == 0:
        return
    table = mem.read(f["table_addr"], 2048).view("<i4").astype(i64)
    exp, log = table[:256], table[256:]
    if exp[0] != 1 << 16 or exp.min() < 0 or exp.max() > 1 << 16 or log.min() < 0 or log.max() >= 1 << 16:
        raise StreamError(f"LOG_SOFTMAX table at {f['table_addr']:#x} is not an exponential (first entry 2^16, "
                          f"entries in [0, 2^16]) followed by a logarithm (entries in [0, 2^16))")
    x = _load(mem, f["in_addr"], rows * n).astype(i64).reshape(rows, n)
    d = x.max(axis=1, keepdims=True) - x
    total = exp[d].sum(axis=1, keepdims=True)  # >= 2^16: the maximum's entry is 2^16
    k = np.floor(np.log2(total.astype(np.float64))).astype(i64)
    k = np.where((i64(1) << k) > total, k - 1, k)
    k = np.where((i64(1) << (k + 1)) <= total, k + 1, k)
    y = -(d * f["step"]) - ((k - 16) * LN2_Q16 + log[(total >> (k - 8)) & 255])
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(y * f["mult"], f["shift"]))


@per_sample
def layernorm(mem: Memory, f: dict, flags: int) -> None:
    """Per row of `len` codes q = x - in_zp: c = len*q - sum(q), r = max(1, isqrt((sum(c^2) +
    eps) << 2*sqrt_shift)), out = clamp(out_zp + div_round((c*G << sqrt_shift) + B*r, r << shift)).
    params: eps (int64), then G and B (int32 each, one per element of a row)."""
    rows, n, m = f["rows"], f["len"], f["sqrt_shift"]
    if rows * n == 0:
        return
    params = mem.read(f["params_addr"], 8 + 8 * n)
    eps = int(params[:8].view("<i8")[0])
    g = params[8:8 + 4 * n].view("<i4").astype(i64)
    b = params[8 + 4 * n:].view("<i4").astype(i64)
    q = _load(mem, f["in_addr"], rows * n).astype(i64).reshape(rows, n) - f["in_zp"]
    c = n * q - q.sum(axis=1, keepdims=True)
    squares = (c * c).sum(axis=1, keepdims=True)  # |c| < 2^22 and len < 2^14: no int64 overflow
    # Python integers for the bounds, so an overflow is reported instead of wrapping.
    if eps < 0 or (int(squares.max()) + eps) << (2 * m) > 1 << 62:
        raise StreamError(f"LAYERNORM at {f['in_addr']:#x}: eps {eps} or sum(c^2) << {2 * m} outside [0, 2^62]")
    r = np.maximum(1, isqrt((squares + eps) << i64(2 * m)))
    g_max, b_max, r_max = int(np.abs(g).max()), int(np.abs(b).max()), int(r.max())
    if (int(np.abs(c).max()) * g_max << m) >= 1 << 62 or b_max * r_max >= 1 << 62 or r_max << f["shift"] >= 1 << 62:
        raise StreamError(f"LAYERNORM params at {f['params_addr']:#x}: gains or offsets overflow int64")
    q = div_round(((c * g) << i64(m)) + b * r, r << i64(f["shift"]))
    _store(mem, f["out_addr"], f, f["out_zp"] + q)


@per_sample
def batch_matmul(mem: Memory, f: dict, flags: int) -> None:
    """int8 a [batch, m, k] times int8 b [batch, k, n], both row-major, each minus its zero
    point: out = clamp(out_zp + rshift_round(acc * mult, shift)) per element."""
    batch, m, k, n = f["batch"], f["m"], f["k"], f["n"]
    if batch * m * n == 0:
        return
    a = _load(mem, f["a_addr"], batch * m * k).astype(i64).reshape(batch, m, k) - f["a_zp"]
    b = _load(mem, f["b_addr"], batch * k * n).astype(i64).reshape(batch, k, n) - f["b_zp"]
    acc = np.stack([exact_matmul(a[i], b[i]) for i in range(batch)])
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc * i64(f["mult"]), f["shift"]))
