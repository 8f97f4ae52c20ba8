"""The integer kernels behind the DPU_* and HOST_* commands (and the IMC array's exact matmul).

Each kernel reads its operands from a `Memory`, computes with numpy and writes its result back:
`kernel(memory, fields, flags)`. The DPU and the host run the very same functions, so the two
give bit-identical results by construction (units/vector.py pairs them with their layouts).

Arithmetic is int64 with two's complement wrap-around (numpy integer arrays wrap silently),
which is what "computed in 64-bit" means for a hardware datapath. Each kernel reads all its
inputs before writing its output, so in-place operation (out_addr == in_addr) is allowed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import StreamError

if TYPE_CHECKING:  # only for annotations: memory.py imports the target, which imports the units
    from .memory import Memory

ACCUMULATE = 1  # IMC_MVM, HOST_MATMUL: add to the int32 results already in memory
COUNT_INCLUDE_PAD = 1  # DPU_AVGPOOL, HOST_AVGPOOL: divide by kh*kw instead of the valid count
RESIZE_BILINEAR = 1  # DPU_RESIZE, HOST_RESIZE: interpolate the 4 neighbours instead of nearest

i64 = np.int64


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 -> int32 keeping the low 32 bits (two's complement wrap-around, as the
    hardware's 32-bit accumulators), spelled out so it never depends on cast behaviour."""
    return (values & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def exact_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The exact int64 product of int8-range matrices x [m, k] and w [k, n].

    Computed through a float64 BLAS matmul: every product of two int8 is an integer of
    magnitude <= 2^14, so every partial sum of up to k of them is an integer of magnitude
    <= k * 2^14, far below 2^53 for any realistic k (< 2^39). Integers that small are
    represented exactly in float64 and so are all intermediate sums, whatever order or
    blocking the BLAS uses: the result is the exact integer dot product, and this is much
    faster than an int64 matmul."""
    return (x.astype(np.float64, copy=False) @ w.astype(np.float64, copy=False)).astype(i64)


def transpose_dims(f: dict) -> tuple[list[int], list[int]]:
    """(dims, perm) of a TRANSPOSE command: its first `rank` d* and p* fields."""
    rank = f["rank"]
    return [f[f"d{i}"] for i in range(rank)], [f[f"p{i}"] for i in range(rank)]


def rshift_round(x: np.ndarray, s) -> np.ndarray:
    """(x + 2^(s-1)) >> s with an arithmetic shift: rounds ties towards +inf."""
    s = np.asarray(s, i64)
    return (x + (i64(1) << (s - 1))) >> s


def div_round(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b (b > 0) rounded to nearest, ties away from zero."""
    q = (np.abs(a) + b // 2) // b
    return np.where(a < 0, -q, q)


def _store(mem: Memory, addr: int, f: dict, values: np.ndarray) -> None:
    """Clamp, then write as contiguous int8 (the clamp range is validated to lie in int8)."""
    out = np.clip(values, f["clamp_min"], f["clamp_max"]).astype(np.int8)
    mem.write(addr, out)


def _load(mem: Memory, addr: int, n: int, dtype=np.int8) -> np.ndarray:
    return mem.view(addr, 1, n, n * np.dtype(dtype).itemsize, dtype)[0]


def _feature_map(mem: Memory, f: dict) -> np.ndarray:
    return _load(mem, f["in_addr"], f["h"] * f["w"] * f["c"]).reshape(f["h"], f["w"], f["c"])


def _taps(n_out: int, stride: int, pad: int, dil: int, k: int) -> np.ndarray:
    """Input coordinates [n_out, k] read by each output index (may be out of range)."""
    return (np.arange(n_out, dtype=i64)[:, None] * stride - pad
            + np.arange(k, dtype=i64)[None, :] * dil)


def _window_bounds(n_out: int, stride: int, pad: int, k: int, size: int):
    """[lo, hi) input range of each output's window, clipped to the input (no dilation)."""
    start = np.arange(n_out, dtype=i64) * stride - pad
    return np.clip(start, 0, size), np.clip(start + k, 0, size)


def im2col(mem: Memory, f: dict, flags: int) -> None:
    h, w, c, kh, kw = f["h"], f["w"], f["c"], f["kh"], f["kw"]
    n = f["n_rows"]
    if n == 0 or kh * kw * c == 0:
        return
    # Gather from the input pixels plus one extra "pixel" holding pad_value.
    pixels = np.empty((h * w + 1, c), np.int8)
    pixels[:-1] = _load(mem, f["in_addr"], h * w * c).reshape(h * w, c)
    pixels[-1] = f["pad_value"]
    oy, ox = np.divmod(f["row_start"] + np.arange(n, dtype=i64), f["out_w"])
    iy = oy[:, None] * f["stride_h"] - f["pad_top"] + np.arange(kh, dtype=i64) * f["dil_h"]
    ix = ox[:, None] * f["stride_w"] - f["pad_left"] + np.arange(kw, dtype=i64) * f["dil_w"]
    inside = ((iy >= 0) & (iy < h))[:, :, None] & ((ix >= 0) & (ix < w))[:, None, :]
    index = np.where(inside, iy[:, :, None] * w + ix[:, None, :], h * w)  # [n, kh, kw]
    mem.write(f["out_addr"], pixels[index])  # [n, kh, kw, c] = rows in (ky, kx, ch) order


def requant(mem: Memory, f: dict, flags: int) -> None:
    m, c = f["m"], f["c"]
    if m == 0 or c == 0:
        return
    params = _load(mem, f["params_addr"], 3 * c, np.int32).astype(i64).reshape(3, c)
    bias, mult, shift = params
    bad = np.flatnonzero((shift < 1) | (shift > 62))
    if bad.size:
        j = int(bad[0])
        raise StreamError(f"shift[{j}] = {int(shift[j])} at params_addr is outside [1, 62]")
    acc = mem.view(f["in_addr"], m, c, f["in_stride"], np.int32).astype(i64)
    out = np.clip(f["out_zp"] + rshift_round((acc + bias) * mult, shift),
                  f["clamp_min"], f["clamp_max"]).astype(np.int8)
    mem.write2d(f["out_addr"], out, f["out_stride"])


def _operands(mem: Memory, f: dict) -> tuple[np.ndarray, np.ndarray]:
    n = f["n"]
    a = _load(mem, f["a_addr"], n).astype(i64)
    b = np.resize(_load(mem, f["b_addr"], f["b_len"]).astype(i64), n)  # b[i % b_len]
    return a, b


def add(mem: Memory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    a, b = _operands(mem, f)
    acc = (a - f["a_zp"]) * f["a_mult"] + (b - f["b_zp"]) * f["b_mult"]
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc, f["shift"]))


def mul(mem: Memory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    a, b = _operands(mem, f)
    acc = (a - f["a_zp"]) * (b - f["b_zp"]) * i64(f["mult"])
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc, f["shift"]))


def rescale(mem: Memory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    x = _load(mem, f["in_addr"], f["n"]).astype(i64)
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round((x - f["in_zp"]) * f["mult"],
                                                             f["shift"]))


def lut(mem: Memory, f: dict, flags: int) -> None:
    """Table lookup: out[i] = table[x[i] + 128] (256 int8 entries, indexed by the int8 code)."""
    if f["n"] == 0:
        return
    table = _load(mem, f["table_addr"], 256)
    mem.write(f["out_addr"], table[_load(mem, f["in_addr"], f["n"]).astype(np.int64) + 128])


def _resize_taps(n_out, scale_n, scale_d, offset, n_in):
    """Per output index: the neighbouring input indices (clamped) and the remainder r in
    [0, scale_n) of the source coordinate (o * scale_d + offset) / scale_n."""
    y = np.arange(n_out, dtype=i64) * scale_d + offset
    i = y // scale_n
    r = y - i * scale_n
    return np.clip(i, 0, n_in - 1), np.clip(i + 1, 0, n_in - 1), r


def resize(mem: Memory, f: dict, flags: int) -> None:
    """TOSA RESIZE. Nearest copies the code at i1 where 2r >= scale_n (ties up), else i0.
    Bilinear: sum of (v - in_zp) * wy * wx over the 4 neighbours, with wy = scale_y_n - r_y
    for the upper row and r_y for the lower (wx alike), requantized by mult, shift."""
    if f["out_h"] * f["out_w"] * f["c"] == 0:
        return
    x = _feature_map(mem, f)
    y0, y1, ry = _resize_taps(f["out_h"], f["scale_y_n"], f["scale_y_d"], f["offset_y"], f["h"])
    x0, x1, rx = _resize_taps(f["out_w"], f["scale_x_n"], f["scale_x_d"], f["offset_x"], f["w"])
    if not flags & RESIZE_BILINEAR:
        ys = np.where(2 * ry >= f["scale_y_n"], y1, y0)
        xs = np.where(2 * rx >= f["scale_x_n"], x1, x0)
        mem.write(f["out_addr"], np.ascontiguousarray(x[ys][:, xs]))
        return
    v = x.astype(i64) - f["in_zp"]
    wy0, wy1 = (f["scale_y_n"] - ry)[:, None, None], ry[:, None, None]
    wx0, wx1 = (f["scale_x_n"] - rx)[None, :, None], rx[None, :, None]
    acc = ((v[y0][:, x0] * wx0 + v[y0][:, x1] * wx1) * wy0
           + (v[y1][:, x0] * wx0 + v[y1][:, x1] * wx1) * wy1)
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc * f["mult"], f["shift"]))


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


def isqrt(v: np.ndarray) -> np.ndarray:
    """floor(sqrt(v)) for int64 v in [0, 2^62]: float64's root, corrected by one either way."""
    r = np.floor(np.sqrt(v.astype(np.float64))).astype(i64)
    r = np.where(r * r > v, r - 1, r)
    return np.where((r + 1) * (r + 1) <= v, r + 1, r)


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


def maxpool(mem: Memory, f: dict, flags: int) -> None:
    """Separable: the window maximum is the maximum over rows of the maxima over columns.
    Windows are contiguous input ranges, so np.maximum.reduceat over interleaved [lo, hi)
    boundaries computes all of them without a Python loop (the validator guarantees every
    window holds at least one input pixel, i.e. lo < hi)."""
    if f["out_h"] * f["out_w"] * f["c"] == 0:
        return
    x = _feature_map(mem, f)

    def reduce(x: np.ndarray, axis: int, n_out: int, stride: int, pad: int, k: int):
        lo, hi = _window_bounds(n_out, stride, pad, k, x.shape[axis])
        # A trailing dummy slice keeps every boundary a valid index for reduceat.
        pad_shape = list(x.shape)
        pad_shape[axis] = 1
        x = np.concatenate([x, np.zeros(pad_shape, x.dtype)], axis=axis)
        bounds = np.stack([lo, hi], axis=1).ravel()
        return np.take(np.maximum.reduceat(x, bounds, axis=axis), np.arange(0, 2 * n_out, 2),
                       axis=axis)

    cols = reduce(x, 1, f["out_w"], f["stride_w"], f["pad_left"], f["kw"])
    out = reduce(cols, 0, f["out_h"], f["stride_h"], f["pad_top"], f["kh"])
    mem.write(f["out_addr"], out)


def avgpool(mem: Memory, f: dict, flags: int) -> None:
    """Window sums from prefix sums (two gathers per axis, no loop over the window)."""
    h, w = f["h"], f["w"]
    if f["out_h"] * f["out_w"] * f["c"] == 0:
        return
    x = _feature_map(mem, f).astype(i64) - f["in_zp"]
    ylo, yhi = _window_bounds(f["out_h"], f["stride_h"], f["pad_top"], f["kh"], h)
    xlo, xhi = _window_bounds(f["out_w"], f["stride_w"], f["pad_left"], f["kw"], w)
    px = np.concatenate([np.zeros((h, 1, f["c"]), i64), np.cumsum(x, axis=1)], axis=1)
    cols = px[:, xhi] - px[:, xlo]  # [h, out_w, c]
    py = np.concatenate([np.zeros((1,) + cols.shape[1:], i64), np.cumsum(cols, axis=0)])
    s = py[yhi] - py[ylo]  # [out_h, out_w, c]
    if flags & COUNT_INCLUDE_PAD:
        cnt = np.full((1, 1, 1), f["kh"] * f["kw"], i64)
    else:
        cnt = ((yhi - ylo)[:, None] * (xhi - xlo)[None, :])[:, :, None]
    q = div_round(s * f["mult"], cnt << i64(f["shift"]))
    _store(mem, f["out_addr"], f, f["out_zp"] + q)


def dwconv(mem: Memory, f: dict, flags: int) -> None:
    c, out_h, out_w = f["c"], f["out_h"], f["out_w"]
    if out_h * out_w * c == 0:
        return
    x = _feature_map(mem, f).astype(i64) - f["in_zp"]
    wts = _load(mem, f["w_addr"], f["kh"] * f["kw"] * c).astype(i64).reshape(f["kh"], f["kw"], c)
    iy = _taps(out_h, f["stride_h"], f["pad_top"], f["dil_h"], f["kh"])  # [out_h, kh]
    ix = _taps(out_w, f["stride_w"], f["pad_left"], f["dil_w"], f["kw"])  # [out_w, kw]
    in_y, in_x = (iy >= 0) & (iy < f["h"]), (ix >= 0) & (ix < f["w"])
    acc = np.zeros((out_h, out_w, c), i64)
    # Taps that only ever see padding contribute 0: loop over the others only.
    for ky in np.flatnonzero(in_y.any(axis=0)):
        rows = np.flatnonzero(in_y[:, ky])
        for kx in np.flatnonzero(in_x.any(axis=0)):
            cols = np.flatnonzero(in_x[:, kx])
            patch = x[np.ix_(iy[rows, ky], ix[cols, kx])]  # [len(rows), len(cols), c]
            acc[np.ix_(rows, cols)] += patch * wts[ky, kx]
    mem.write(f["out_addr"], wrap_int32(acc))


def transpose(mem: Memory, f: dict, flags: int) -> None:
    dims, perm = transpose_dims(f)
    n = int(np.prod(dims))
    if n == 0:
        return
    x = _load(mem, f["in_addr"], n).reshape(dims)
    mem.write(f["out_addr"], np.ascontiguousarray(x.transpose(perm)))


def matmul(mem: Memory, f: dict, flags: int) -> None:
    """int8 [m, k] rows (in_addr, in_stride) times int8 [k, n] row-major at w_addr -> int32
    [m, n] rows (out_addr, out_stride), added to what is there with ACCUMULATE."""
    m, k, n = f["m"], f["k"], f["n"]
    if m == 0 or n == 0:
        return
    x = mem.view(f["in_addr"], m, k, f["in_stride"], np.int8)
    w = _load(mem, f["w_addr"], k * n).reshape(k, n)
    y = exact_matmul(x, w)
    if flags & ACCUMULATE:
        y += mem.view(f["out_addr"], m, n, f["out_stride"], np.int32)
    mem.write2d(f["out_addr"], wrap_int32(y), f["out_stride"])
