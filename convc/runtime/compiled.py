"""Compiled inner loops (numba) for the kernels where numpy's pass-per-operation costs most.

Why: numpy evaluates an expression one full pass at a time, and exactness forces those passes
into int64. Requantization is eight passes over an int64 copy of the accumulators and a
depthwise convolution two per tap; on MobileNetV2 the two were half the runtime. A loop makes
one pass, reading the int8/int32 operands and writing the int8/int32 result.

The loops compute the same integer expressions as the numpy formulations they replace: int64
arithmetic that wraps modulo 2^64, arithmetic right shifts, a truncation to int32 that wraps as
exact.wrap_int32 does. test_runtime_compiled.py checks them against those formulations on
random and extreme operands.

This module is imported on a kernel's first use (numba costs 0.3 s to import), and the machine
code is cached beside it (cache=True), so only the first process after an install compiles
(about a second per kernel and operand layout).
"""
import numba
import numpy as np


def _c(a: np.ndarray) -> np.ndarray:
    """Contiguous operands: on a strided view ('A' layout) numba's loops run 25x slower
    (measured: no vectorisation), far more than the one copy costs."""
    return np.ascontiguousarray(a)


def requantize(acc, mult, offset, shift, out_zp: int, lo: int, hi: int) -> np.ndarray:
    """clamp(out_zp + ((acc * mult + offset) >> shift), lo, hi) per channel: acc [B, m, c]
    int32; mult, offset, shift [B, c] int64 (offset = bias * mult + 2^(shift-1)) -> [B, m, c] int8."""
    out = np.empty(acc.shape, np.int8)
    _requantize(_c(acc), _c(mult), _c(offset), _c(shift), out_zp, lo, hi, out)
    return out


def depthwise(x, in_zp: int, w, stride, pad, dil, out_hw) -> np.ndarray:
    """The depthwise convolution: x [B, h, w, c] int8, w [B, kh, kw, c] int8; stride, pad (top,
    left), dil and out_hw (out_h, out_w) as pairs -> [B, out_h, out_w, c] int32 (wrapped)."""
    out = np.empty((x.shape[0], *out_hw, x.shape[3]), np.int32)
    _depthwise(_c(x), in_zp, _c(w), *stride, *pad, *dil, out)
    return out


@numba.njit(cache=True, nogil=True)
def _requantize(acc, mult, offset, shift, out_zp, lo, hi, out):
    batch, m, c = acc.shape
    for b in range(batch):
        for i in range(m):
            for j in range(c):
                v = (np.int64(acc[b, i, j]) * mult[b, j] + offset[b, j]) >> shift[b, j]
                out[b, i, j] = min(max(v + out_zp, lo), hi)


@numba.njit(cache=True, nogil=True)
def _depthwise(x, in_zp, w, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, out):
    """out[b, oy, ox, ch] = wrap_int32(sum over taps inside x of (x - in_zp) * w[b, ky, kx, ch]);
    taps in the padding add nothing (the padding holds in_zp)."""
    batch, h, width, c = x.shape
    _, kh, kw, _ = w.shape
    _, out_h, out_w, _ = out.shape
    acc = np.empty(c, np.int64)
    for b in range(batch):
        for oy in range(out_h):
            for ox in range(out_w):
                acc[:] = 0
                for ky in range(kh):
                    iy = oy * stride_h - pad_top + ky * dil_h
                    if iy < 0 or iy >= h:
                        continue
                    for kx in range(kw):
                        ix = ox * stride_w - pad_left + kx * dil_w
                        if ix < 0 or ix >= width:
                            continue
                        for ch in range(c):
                            acc[ch] += (np.int64(x[b, iy, ix, ch]) - in_zp) * w[b, ky, kx, ch]
                for ch in range(c):
                    out[b, oy, ox, ch] = np.int32(acc[ch])
