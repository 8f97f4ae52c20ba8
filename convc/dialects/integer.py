"""Integer arithmetic the engine-dialect ops are defined by (numpy int64, no MLIR).

Each dialect op's `reference(...)` method is its semantics on whole tensors, built from these
helpers; convc/driver/int_reference.py runs them, and every engine executing an op (through
the command stream) must produce the same bits.
"""

import numpy as np


def rshift_round(x, shift):
    """(x + 2^(shift-1)) >> shift with an arithmetic shift: rounds ties towards +inf."""
    x = np.asarray(x, np.int64)
    shift = np.asarray(shift, np.int64)
    return (x + (np.int64(1) << (shift - 1))) >> shift


def clamp_int8(y, lo: int, hi: int) -> np.ndarray:
    return np.clip(y, lo, hi).astype(np.int8)


def requantize(acc, bias, mult, shift, out_zp: int, lo: int, hi: int) -> np.ndarray:
    """Per-channel requantization of int32-range accumulators to int8 codes."""
    bias, mult, shift = (np.asarray(v, np.int64) for v in (bias, mult, shift))
    return clamp_int8(out_zp + rshift_round((acc + bias) * mult, shift), lo, hi)


def exact_matmul(x, w) -> np.ndarray:
    """The exact int64 product x [..., K] @ w [..., K, N] of integer arrays (np.matmul's
    broadcasting), fast.

    numpy's int64 matmul has no BLAS and is ~50x slower than float64's. A float64 BLAS
    product is exact when every partial sum is an integer below 2^53 in magnitude, whatever
    order the BLAS adds in; max|x| times the largest column sum of |w| bounds every partial
    sum, so when that bound is below 2^53 (always for int8-range operands and any realistic
    K) the float64 product is the integer one. Otherwise the int64 matmul stands."""
    x, w = np.asarray(x, np.int64), np.asarray(w, np.int64)
    if x.size == 0 or w.size == 0:
        return x @ w
    bound = int(np.abs(x).max()) * int(np.abs(w).sum(axis=-2).max())
    if bound >= 1 << 53:
        return x @ w
    return (x.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)


def repeat_to(b: np.ndarray, n: int) -> np.ndarray:
    """`b` flattened and repeated to n elements (the DPU's rhs[i % len] broadcast)."""
    flat = b.reshape(-1).astype(np.int64)
    return np.tile(flat, n // flat.size)


def window_patches(x, kernel, stride, pad, dilation=(1, 1), fill=0.0):
    """NHWC input → [N, Ho, Wo, kh, kw, C] patches (pad = top, bottom, left, right)."""
    n, h, w, c = x.shape
    kh, kw = kernel
    top, bottom, left, right = pad
    # Negative pads crop; positive pads extend with `fill`.
    x = x[:, max(0, -top): h - max(0, -bottom), max(0, -left): w - max(0, -right), :]
    x = np.pad(x, ((0, 0), (max(0, top), max(0, bottom)), (max(0, left), max(0, right)), (0, 0)),
               constant_values=fill)
    ho = (x.shape[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (x.shape[2] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.empty((n, ho, wo, kh, kw, c), dtype=x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dilation[0], kx * dilation[1]
            out[:, :, :, ky, kx, :] = x[:, y0: y0 + stride[0] * (ho - 1) + 1: stride[0],
                                        x0: x0 + stride[1] * (wo - 1) + 1: stride[1], :]
    return out


def resize_taps(n_out: int, scale_n: int, scale_d: int, offset: int, n_in: int):
    """TOSA RESIZE along one axis: for each output index o the source coordinate is
    (o * scale_d + offset) / scale_n; returns the two neighbouring input indices (clamped to
    the input) and the remainder r in [0, scale_n): the fraction r / scale_n of the way from
    i0 to i1. Nearest picks i1 when 2r >= scale_n (ties round up, as TOSA specifies)."""
    y = np.arange(n_out, dtype=np.int64) * scale_d + offset
    i = y // scale_n  # floor division, so negative coordinates round down
    r = y - i * scale_n
    return np.clip(i, 0, n_in - 1), np.clip(i + 1, 0, n_in - 1), r


def resize_nearest_index(i0, i1, r, scale_n: int):
    return np.where(2 * r >= scale_n, i1, i0)


def div_round(a, b):
    """a / b (b > 0) rounded to nearest, ties away from zero, in int64."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    return np.sign(a) * ((2 * np.abs(a) + b) // (2 * b))


def isqrt(v):
    """floor(sqrt(v)) of int64 values in [0, 2^62], exact: the float64 square root is within
    one of the answer there, and one correction step each way makes it exact."""
    v = np.asarray(v, np.int64)
    r = np.floor(np.sqrt(v.astype(np.float64))).astype(np.int64)
    r = np.where(r * r > v, r - 1, r)
    return np.where((r + 1) * (r + 1) <= v, r + 1, r)


def layer_norm(x, in_zp: int, eps_term: int, gains, offsets, shift: int, sqrt_shift: int):
    """The integer layer norm of passes/layer_norm.py over the last axis of int8 `x`, before
    the output zero point and clamp: div_round((c * G << m) + B * r, r << k) per element."""
    n = x.shape[-1]
    q = x.reshape(-1, n).astype(np.int64) - in_zp
    c = n * q - q.sum(axis=1, keepdims=True)
    r = np.maximum(1, isqrt(((c * c).sum(axis=1, keepdims=True) + eps_term) << (2 * sqrt_shift)))
    g, b = np.asarray(gains, np.int64).reshape(-1), np.asarray(offsets, np.int64).reshape(-1)
    return div_round(((c * g) << sqrt_shift) + b * r, r << shift).reshape(x.shape)


LN2_Q16 = 45426  # round(2^16 * ln 2): the log-softmax's ln 2, an algorithm constant


def floor_log2(v):
    """floor(log2(v)) of int64 values in [1, 2^62], exact (float64's log2, corrected by one)."""
    v = np.asarray(v, np.int64)
    k = np.floor(np.log2(v.astype(np.float64))).astype(np.int64)
    k = np.where((np.int64(1) << k) > v, k - 1, k)
    return np.where((np.int64(1) << (k + 1)) <= v, k + 1, k)


def log_softmax(x, exp_table, log_table, step: int):
    """The integer log-softmax of passes/softmax.py over the last axis of int8 `x`, in 2^-16
    units of the real result (before the output requantization): per row, d = max - x,
    S = sum(exp_table[d]) (>= 2^16: entry 0 is 2^16), k = floor(log2 S),
    ln S/2^16 ~ (k - 16) * LN2_Q16 + log_table[the 8 bits of S after its leading one],
    result = -(d * step) - ln, with step = round(2^16 * s_in)."""
    n = x.shape[-1]
    rows = x.reshape(-1, n).astype(np.int64)
    d = rows.max(axis=1, keepdims=True) - rows
    total = np.asarray(exp_table, np.int64).reshape(-1)[d].sum(axis=1, keepdims=True)
    k = floor_log2(total)
    mantissa = (total >> (k - 8)) & 255
    ln = (k - 16) * LN2_Q16 + np.asarray(log_table, np.int64).reshape(-1)[mantissa]
    return (-(d * step) - ln).reshape(x.shape)


def tile_sums(v, w, tile_rows: int, dac) -> list:
    """The column sums each row tile of an analog array sees before its ADC: int8 input codes
    v [M, K] clipped to the DACs' dac = [lo, hi], times ternary weights w [K, N], the K rows in
    tiles of `tile_rows`. int64 [M, N] per tile, computed in float64 (exact: with |v| <= 255
    and |w| <= 1 every sum is far below 2^53, and BLAS makes calibration on big layers fast)."""
    v = np.clip(np.asarray(v, np.int64), dac[0], dac[1]).astype(np.float64)
    w = np.asarray(w, np.float64)
    return [np.rint(v[:, k0:k0 + tile_rows] @ w[k0:k0 + tile_rows]).astype(np.int64)
            for k0 in range(0, w.shape[0], tile_rows)]


def analog_tiles(v, w, tile_rows: int, dac, adc, adc_shift: int):
    """An analog array's accumulators (runtime units/aimc.py): each tile's column sums
    (tile_sums) through a rounding right shift by adc_shift and the ADC's clip to adc = [lo, hi],
    shifted back; the tiles' results added. int64 [M, N]."""
    acc = np.zeros((np.shape(v)[0], np.shape(w)[1]), np.int64)
    for s in tile_sums(v, w, tile_rows, dac):
        acc += adc_convert(s, adc_shift, adc)
    return acc


def adc_convert(s, adc_shift: int, adc):
    """Column sums through the gain (a rounding right shift, ties up; none for shift 0) and the
    ADC's clip to adc = [lo, hi], shifted back into the sums' units."""
    s = np.asarray(s, np.int64)
    return np.clip((s + ((1 << adc_shift) >> 1)) >> adc_shift, adc[0], adc[1]) << adc_shift
