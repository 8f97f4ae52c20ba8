"""The integer kernels behind the DPU_* and HOST_* commands.

Each kernel reads its operands from a memory.BatchMemory, computes with numpy for every sample
of the batch at once (axis 0 of every array here is the sample) and writes its result back:
`kernel(memory, fields, flags)`; a single sample's memory.Memory is accepted too. The DPU and
the host run the very same functions, so the two give bit-identical results by construction
(units/vector.py pairs them with their layouts). The row operations (softmax, layer norm, the
attention product) are in kernels_rows.py.

Arithmetic is exact (exact.py). Each kernel reads all its inputs before writing its output, so
in-place operation (out_addr == in_addr) is allowed.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from .errors import StreamError
from .exact import div_round, exact_matmul, i64, rshift_round, wrap_int32

if TYPE_CHECKING:  # only for annotations: memory.py imports the target, which imports the units
    from .memory import BatchMemory

ACCUMULATE = 1  # IMC_MVM, HOST_MATMUL: add to the int32 results already in memory
COUNT_INCLUDE_PAD = 1  # DPU_AVGPOOL, HOST_AVGPOOL: divide by kh*kw instead of the valid count
RESIZE_BILINEAR = 1  # DPU_RESIZE, HOST_RESIZE: interpolate the 4 neighbours instead of nearest


def batched(kernel):
    """Let a kernel written for a BatchMemory also take one sample's Memory."""
    @functools.wraps(kernel)
    def run(mem, f: dict, flags: int) -> None:
        kernel(mem.as_batch() if hasattr(mem, "as_batch") else mem, f, flags)
    return run


def transpose_dims(f: dict) -> tuple[list[int], list[int]]:
    """(dims, perm) of a TRANSPOSE command: its first `rank` d* and p* fields."""
    rank = f["rank"]
    return [f[f"d{i}"] for i in range(rank)], [f[f"p{i}"] for i in range(rank)]


def _store(mem: BatchMemory, addr: int, f: dict, values: np.ndarray) -> None:
    """Clamp, then write as contiguous int8 (the clamp range is validated to lie in int8)."""
    out = np.clip(values, f["clamp_min"], f["clamp_max"]).astype(np.int8)
    mem.write(addr, out)


def _load(mem: BatchMemory, addr: int, n: int, dtype=np.int8) -> np.ndarray:
    """[B, n] elements at addr."""
    return mem.view(addr, 1, n, n * np.dtype(dtype).itemsize, dtype)[:, 0]


def _feature_map(mem: BatchMemory, f: dict) -> np.ndarray:
    """[B, h, w, c] int8."""
    return _load(mem, f["in_addr"], f["h"] * f["w"] * f["c"]).reshape(-1, f["h"], f["w"], f["c"])


def _window_bounds(n_out: int, stride: int, pad: int, k: int, size: int):
    """[lo, hi) input range of each output's window, clipped to the input (no dilation)."""
    start = np.arange(n_out, dtype=i64) * stride - pad
    return np.clip(start, 0, size), np.clip(start + k, 0, size)


def _padded(x: np.ndarray, top: int, left: int, rows: int, cols: int, fill: int) -> np.ndarray | None:
    """A [B, rows, cols, c] array of `fill` with x [B, h, w, c] placed so that x's pixel (0, 0)
    lands at (top, left) (negative: x's first rows or columns are cut off; what does not fit
    is cropped), or None when that array would be far larger than x: absurd paddings take the
    kernels' slower paths instead of allocating gigabytes."""
    batch, h, w, c = x.shape
    if rows * cols > 4 * h * w + (1 << 16):
        return None
    out = np.full((batch, rows, cols, c), fill, x.dtype)
    y0, x0 = max(0, -top), max(0, -left)  # first input row and column that land inside
    y1, x1 = min(h, rows - top), min(w, cols - left)
    if y1 > y0 and x1 > x0:
        out[:, y0 + top:y1 + top, x0 + left:x1 + left] = x[:, y0:y1, x0:x1]
    return out


@batched
def im2col(mem: BatchMemory, f: dict, flags: int) -> None:
    h, w, c, kh, kw = f["h"], f["w"], f["c"], f["kh"], f["kw"]
    n = f["n_rows"]
    if n == 0 or kh * kw * c == 0:
        return
    x = _load(mem, f["in_addr"], h * w * c).reshape(-1, h, w, c)
    # The output rows [row_start, row_start + n) lie in output image rows oy0..oy1; each tap
    # of those rows is one strided slice of the input padded with pad_value.
    oy0, oy1 = f["row_start"] // f["out_w"], (f["row_start"] + n - 1) // f["out_w"] + 1
    sh, sw, dh, dw = f["stride_h"], f["stride_w"], f["dil_h"], f["dil_w"]
    top = f["pad_top"] - oy0 * sh  # the padded array starts at input row oy0*sh - pad_top
    padded = _padded(x, top, f["pad_left"], (oy1 - oy0 - 1) * sh + (kh - 1) * dh + 1,
                     (f["out_w"] - 1) * sw + (kw - 1) * dw + 1, f["pad_value"])
    if padded is None:
        _im2col_gather(mem, f, x)
        return
    patches = np.empty((x.shape[0], oy1 - oy0, f["out_w"], kh, kw, c), np.int8)
    for ky in range(kh):
        for kx in range(kw):
            patches[:, :, :, ky, kx] = padded[:, ky * dh:ky * dh + (oy1 - oy0 - 1) * sh + 1:sh,
                                              kx * dw:kx * dw + (f["out_w"] - 1) * sw + 1:sw]
    first = f["row_start"] - oy0 * f["out_w"]
    rows = patches.reshape(x.shape[0], -1, kh * kw * c)[:, first:first + n]
    mem.write(f["out_addr"], rows)  # [B, n, kh*kw*c] = rows in (ky, kx, ch) order


def _im2col_gather(mem: BatchMemory, f: dict, x: np.ndarray) -> None:
    """im2col by gathering every tap's pixel, for geometries `_padded` declines."""
    h, w, c, kh, kw = f["h"], f["w"], f["c"], f["kh"], f["kw"]
    n = f["n_rows"]
    # Gather from the input pixels plus one extra "pixel" holding pad_value.
    pixels = np.empty((x.shape[0], h * w + 1, c), np.int8)
    pixels[:, :-1] = x.reshape(-1, h * w, c)
    pixels[:, -1] = f["pad_value"]
    oy, ox = np.divmod(f["row_start"] + np.arange(n, dtype=i64), f["out_w"])
    iy = oy[:, None] * f["stride_h"] - f["pad_top"] + np.arange(kh, dtype=i64) * f["dil_h"]
    ix = ox[:, None] * f["stride_w"] - f["pad_left"] + np.arange(kw, dtype=i64) * f["dil_w"]
    inside = ((iy >= 0) & (iy < h))[:, :, None] & ((ix >= 0) & (ix < w))[:, None, :]
    index = np.where(inside, iy[:, :, None] * w + ix[:, None, :], h * w)  # [n, kh, kw]
    mem.write(f["out_addr"], pixels[:, index])  # [B, n, kh, kw, c] = rows in (ky, kx, ch) order


@batched
def requant(mem: BatchMemory, f: dict, flags: int) -> None:
    m, c = f["m"], f["c"]
    if m == 0 or c == 0:
        return
    params = _load(mem, f["params_addr"], 3 * c, np.int32).astype(i64).reshape(-1, 3, 1, c)
    bias, mult, shift = params[:, 0], params[:, 1], params[:, 2]  # [B, 1, c] each
    bad = np.argwhere((shift < 1) | (shift > 62))
    if bad.size:
        j = int(bad[0][-1])
        raise StreamError(f"shift[{j}] = {int(shift[tuple(bad[0])])} at params_addr is outside [1, 62]")
    # out_zp + rshift_round((acc + bias) * mult, shift), with the bias and the rounding term
    # folded into one per-channel offset: the same int64 value (the identity holds modulo 2^64,
    # so even wrapped products agree), computed in one compiled pass.
    from . import compiled  # here: numba's import is only paid by streams that requantize
    offset = bias * mult + (i64(1) << (shift - 1))
    acc = mem.view(f["in_addr"], m, c, f["in_stride"], np.int32)
    out = compiled.requantize(acc, mult[:, 0], offset[:, 0], shift[:, 0], f["out_zp"], f["clamp_min"], f["clamp_max"])
    mem.write2d(f["out_addr"], out, f["out_stride"])


def _operands(mem: BatchMemory, f: dict) -> tuple[np.ndarray, np.ndarray]:
    n = f["n"]
    a = _load(mem, f["a_addr"], n).astype(i64)
    b = _load(mem, f["b_addr"], f["b_len"]).astype(i64)[:, np.arange(n) % f["b_len"]]  # b[i % b_len]
    return a, b


@batched
def add(mem: BatchMemory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    a, b = _operands(mem, f)
    acc = (a - f["a_zp"]) * f["a_mult"] + (b - f["b_zp"]) * f["b_mult"]
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc, f["shift"]))


@batched
def mul(mem: BatchMemory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    a, b = _operands(mem, f)
    acc = (a - f["a_zp"]) * (b - f["b_zp"]) * i64(f["mult"])
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc, f["shift"]))


@batched
def rescale(mem: BatchMemory, f: dict, flags: int) -> None:
    if f["n"] == 0:
        return
    x = _load(mem, f["in_addr"], f["n"]).astype(i64)
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round((x - f["in_zp"]) * f["mult"],
                                                             f["shift"]))


@batched
def lut(mem: BatchMemory, f: dict, flags: int) -> None:
    """Table lookup: out[i] = table[x[i] + 128] (256 int8 entries, indexed by the int8 code)."""
    if f["n"] == 0:
        return
    table = _load(mem, f["table_addr"], 256)
    codes = _load(mem, f["in_addr"], f["n"]).astype(i64) + 128
    mem.write(f["out_addr"], np.take_along_axis(table, codes, axis=1))


def _resize_taps(n_out, scale_n, scale_d, offset, n_in):
    """Per output index: the neighbouring input indices (clamped) and the remainder r in
    [0, scale_n) of the source coordinate (o * scale_d + offset) / scale_n."""
    y = np.arange(n_out, dtype=i64) * scale_d + offset
    i = y // scale_n
    r = y - i * scale_n
    return np.clip(i, 0, n_in - 1), np.clip(i + 1, 0, n_in - 1), r


@batched
def resize(mem: BatchMemory, f: dict, flags: int) -> None:
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
        mem.write(f["out_addr"], np.ascontiguousarray(x[:, ys][:, :, xs]))
        return
    v = x.astype(i64) - f["in_zp"]
    wy0, wy1 = (f["scale_y_n"] - ry)[:, None, None], ry[:, None, None]
    wx0, wx1 = (f["scale_x_n"] - rx)[None, :, None], rx[None, :, None]
    acc = ((v[:, y0][:, :, x0] * wx0 + v[:, y0][:, :, x1] * wx1) * wy0
           + (v[:, y1][:, :, x0] * wx0 + v[:, y1][:, :, x1] * wx1) * wy1)
    _store(mem, f["out_addr"], f, f["out_zp"] + rshift_round(acc * f["mult"], f["shift"]))


@batched
def maxpool(mem: BatchMemory, f: dict, flags: int) -> None:
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

    oh, ow, sh, sw, kh, kw = f["out_h"], f["out_w"], f["stride_h"], f["stride_w"], f["kh"], f["kw"]
    # Usually: the maximum of kw strided column slices, then of kh row slices, of the input
    # padded with -128 (no code is below it, and every window holds an input pixel).
    padded = _padded(x, f["pad_top"], f["pad_left"], (oh - 1) * sh + kh, (ow - 1) * sw + kw, -128)
    if padded is None:
        cols = reduce(x, 2, ow, sw, f["pad_left"], kw)
        mem.write(f["out_addr"], reduce(cols, 1, oh, sh, f["pad_top"], kh))
        return
    cols = padded[:, :, 0:(ow - 1) * sw + 1:sw].copy()
    for t in range(1, kw):
        np.maximum(cols, padded[:, :, t:t + (ow - 1) * sw + 1:sw], out=cols)
    out = cols[:, 0:(oh - 1) * sh + 1:sh].copy()
    for t in range(1, kh):
        np.maximum(out, cols[:, t:t + (oh - 1) * sh + 1:sh], out=out)
    mem.write(f["out_addr"], out)


@batched
def avgpool(mem: BatchMemory, f: dict, flags: int) -> None:
    """Window sums from prefix sums (two gathers per axis, no loop over the window)."""
    h, w = f["h"], f["w"]
    if f["out_h"] * f["out_w"] * f["c"] == 0:
        return
    x = _feature_map(mem, f).astype(i64) - f["in_zp"]
    batch = x.shape[0]
    ylo, yhi = _window_bounds(f["out_h"], f["stride_h"], f["pad_top"], f["kh"], h)
    xlo, xhi = _window_bounds(f["out_w"], f["stride_w"], f["pad_left"], f["kw"], w)
    px = np.concatenate([np.zeros((batch, h, 1, f["c"]), i64), np.cumsum(x, axis=2)], axis=2)
    cols = px[:, :, xhi] - px[:, :, xlo]  # [B, h, out_w, c]
    py = np.concatenate([np.zeros((batch, 1) + cols.shape[2:], i64), np.cumsum(cols, axis=1)], axis=1)
    s = py[:, yhi] - py[:, ylo]  # [B, out_h, out_w, c]
    if flags & COUNT_INCLUDE_PAD:
        cnt = np.full((1, 1, 1), f["kh"] * f["kw"], i64)
    else:
        cnt = ((yhi - ylo)[:, None] * (xhi - xlo)[None, :])[:, :, None]
    q = div_round(s * f["mult"], cnt << i64(f["shift"]))
    _store(mem, f["out_addr"], f, f["out_zp"] + q)


@batched
def dwconv(mem: BatchMemory, f: dict, flags: int) -> None:
    """Each output channel sums its own input channel's taps times their weights; taps in the
    padding add nothing (the padding holds in_zp, 0 once the zero point is subtracted)."""
    c, out_h, out_w, kh, kw = f["c"], f["out_h"], f["out_w"], f["kh"], f["kw"]
    if out_h * out_w * c == 0:
        return
    from . import compiled  # one pass per output instead of two numpy passes per tap
    x = _feature_map(mem, f)
    wts = _load(mem, f["w_addr"], kh * kw * c).reshape(-1, kh, kw, c)
    out = compiled.depthwise(x, f["in_zp"], wts, (f["stride_h"], f["stride_w"]), (f["pad_top"], f["pad_left"]),
                             (f["dil_h"], f["dil_w"]), (out_h, out_w))
    mem.write(f["out_addr"], out)


@batched
def transpose(mem: BatchMemory, f: dict, flags: int) -> None:
    dims, perm = transpose_dims(f)
    n = int(np.prod(dims))
    if n == 0:
        return
    x = _load(mem, f["in_addr"], n).reshape([-1] + dims)
    mem.write(f["out_addr"], np.ascontiguousarray(x.transpose([0] + [p + 1 for p in perm])))


@batched
def matmul(mem: BatchMemory, f: dict, flags: int) -> None:
    """int8 [m, k] rows (in_addr, in_stride) times int8 [k, n] row-major at w_addr -> int32
    [m, n] rows (out_addr, out_stride), added to what is there with ACCUMULATE."""
    m, k, n = f["m"], f["k"], f["n"]
    if m == 0 or n == 0:
        return
    x = mem.view(f["in_addr"], m, k, f["in_stride"], np.int8)
    w = _load(mem, f["w_addr"], k * n).reshape(-1, k, n)
    y = exact_matmul(x, w)
    if flags & ACCUMULATE:
        y += mem.view(f["out_addr"], m, n, f["out_stride"], np.int32)
    mem.write2d(f["out_addr"], wrap_int32(y), f["out_stride"])
