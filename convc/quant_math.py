"""Quantization arithmetic shared by the quantize and lowering passes.

Activations: asymmetric per-tensor (scale, zero point), int8 by default or narrower when a
precision rule asks for it (the codes still travel in int8 bytes, clamped to the narrower
range). Weights: symmetric per-channel int8/int4/int2, ternary or binary. Biases: int32 at
scale s_in * s_w. Real-valued rescale factors become an integer multiplier (< 2^31) and a
right shift, the form the DPU executes.
"""

import math

import numpy as np

QMIN, QMAX = -128, 127
SUBSAMPLE = 65536  # values kept per tensor for the clipping search


# Precision names of the annotation language and the array mode bits they execute in.
# Ternary weights use the 2-bit mode (codes -1, 0, +1); binary weights the 1-bit mode (-1, +1).
BITS = {"int8": 8, "int4": 4, "int2": 2, "ternary": 2, "binary": 1}
ACTIVATION_PRECISIONS = ("int8", "int4", "int2")  # activations are always zero-pointed integers


def weight_codes(precision: str) -> tuple[int, int]:
    """The range of a weight code at `precision` (binary codes are ±1, never 0)."""
    if precision == "binary":
        return -1, 1
    qmax = (1 << (BITS[precision] - 1)) - 1
    return -qmax, qmax


def code_range(bits: int) -> tuple[int, int]:
    """Signed codes of a `bits`-bit activation."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def activation_qparams(lo: float, hi: float, bits: int = 8) -> tuple[float, int]:
    qmin, qmax = code_range(bits)
    lo, hi = min(lo, 0.0), max(hi, 0.0)  # zero must be exactly representable (padding, ReLU)
    if hi - lo < 1e-12:
        hi = lo + 1e-6
    scale = (hi - lo) / (qmax - qmin)
    zp = min(max(round(qmin - lo / scale), qmin), qmax)  # Python's, not np.clip: called per search step
    return float(scale), zp


def quantize(x: np.ndarray, scale: float, zp: int) -> np.ndarray:
    """Host-side quantization, identical to the runtime's: round half to even, then clip."""
    return np.clip(np.rint(np.asarray(x, np.float64) / scale) + zp, QMIN, QMAX).astype(np.int8)


def mse_optimal_range(samples: np.ndarray, lo: float, hi: float, steps: int = 64,
                      bits: int = 8) -> tuple[float, float]:
    """Clipping range minimising the `bits`-bit quantization MSE of `samples`.

    Candidates shrink the calibrated [lo, hi] towards zero; plain min/max is one candidate,
    so the search never does worse than min/max on the samples.
    """
    samples = samples.astype(np.float64)
    qmin, qmax = code_range(bits)
    best, best_err = (lo, hi), math.inf
    deq = np.empty_like(samples)  # one buffer, every step in place: 3x faster than fresh arrays
    for frac in np.linspace(1.0, 0.2 if bits == 8 else 0.05, steps):
        c_lo, c_hi = lo * frac, hi * frac
        scale, zp = activation_qparams(c_lo, c_hi, bits)
        # (clip(q + zp, qmin, qmax) - zp) * scale, with the zero point moved into the bounds:
        # the codes are integers in float64, so both give the same bits, two passes fewer.
        np.divide(samples, scale, out=deq)
        np.rint(deq, out=deq)
        np.clip(deq, qmin - zp, qmax - zp, out=deq)
        deq *= scale
        deq -= samples
        np.square(deq, out=deq)
        err = float(deq.mean())
        if err < best_err * (1 - 1e-9):
            best, best_err = (c_lo, c_hi), err
    return best


def weight_qparams(w: np.ndarray, axis: int, precision: str = "int8") -> tuple[np.ndarray, np.ndarray]:
    """Per-channel weights along `axis` at `precision`: (int8 codes, float64 scales).

    int8: symmetric max-abs scaling. int4/int2: symmetric, with the clipping scale that
    minimises each channel's squared error (max-abs wastes most of a 4-bit grid on outliers).
    ternary: codes -1/0/+1 with threshold 0.7·mean|w| and scale = mean |w| above it (Li & Liu,
    Ternary Weight Networks). binary: codes ±1 with scale mean|w| (Rastegari et al., XNOR-Net).
    """
    moved = np.moveaxis(w.astype(np.float64), axis, 0)
    rows = moved.reshape(moved.shape[0], -1)
    if precision == "int8":
        amax = np.abs(rows).max(axis=1)
        scales = np.where(amax > 0, amax / QMAX, 1.0)
        q = np.clip(np.rint(rows / scales[:, None]), -QMAX, QMAX)
    elif precision in ("int4", "int2"):
        q, scales = _symmetric_mse(rows, weight_codes(precision)[1])
    elif precision == "ternary":
        delta = 0.7 * np.abs(rows).mean(axis=1, keepdims=True)
        q = np.sign(rows) * (np.abs(rows) > delta)
        kept = np.abs(q).sum(axis=1)
        scales = np.where(kept > 0, (np.abs(rows) * np.abs(q)).sum(axis=1) / np.maximum(kept, 1), 1.0)
    elif precision == "binary":
        q = np.where(rows >= 0, 1.0, -1.0)
        mean = np.abs(rows).mean(axis=1)
        scales = np.where(mean > 0, mean, 1.0)
    else:
        raise ValueError(f"unknown weight precision {precision!r}")
    return np.moveaxis(q.reshape(moved.shape), 0, axis).astype(np.int8), scales


def _symmetric_mse(rows: np.ndarray, qmax: int, steps: int = 64) -> tuple[np.ndarray, np.ndarray]:
    amax = np.abs(rows).max(axis=1)
    amax = np.where(amax > 0, amax, 1.0)
    best_q, best_s, best_err = None, None, None
    for frac in np.linspace(1.0, 0.2, steps):
        s = amax * frac / qmax
        q = np.clip(np.rint(rows / s[:, None]), -qmax, qmax)
        err = ((q * s[:, None] - rows) ** 2).sum(axis=1)
        if best_err is None:
            best_q, best_s, best_err = q, s, err
            continue
        better = err < best_err * (1 - 1e-9)
        best_q = np.where(better[:, None], q, best_q)
        best_s, best_err = np.where(better, s, best_s), np.where(better, err, best_err)
    return best_q, best_s


def multiplier(real: float, max_shift: int = 62) -> tuple[int, int]:
    """(mult, shift) with real ≈ mult * 2^-shift, |mult| < 2^31, shift in [1, max_shift]."""
    if real == 0.0:
        return 0, 1
    mant, exp = math.frexp(abs(real))  # real = mant * 2^exp, mant in [0.5, 1)
    mult, shift = int(round(mant * (1 << 31))), 31 - exp
    if mult == 1 << 31:
        mult, shift = mult // 2, shift - 1
    if shift > max_shift:  # tiny factors: drop mantissa bits rather than overflow the shift
        mult, shift = mult >> (shift - max_shift), max_shift
    if shift < 1:
        raise ValueError(f"rescale factor {real:g} is too large for the DPU")
    return (-mult if real < 0 else mult), shift


def shared_shift_multipliers(reals: list[float]) -> tuple[list[int], int]:
    """Several factors on one shift (for element-wise adds): mult_i ≈ real_i * 2^shift."""
    biggest = max(abs(r) for r in reals) or 1.0
    shift = min(62, max(1, int(math.floor(math.log2((2**31 - 1) / biggest)))))
    return [int(round(r * 2**shift)) for r in reals], shift


def clamp_codes(lo: float, hi: float, scale: float, zp: int, bits: int = 8) -> tuple[int, int]:
    """An activation's real clamp interval expressed in the output's codes (`bits` wide)."""
    qmin, qmax = code_range(bits)
    q_lo = qmin if lo == -math.inf else int(np.clip(round(lo / scale) + zp, qmin, qmax))
    q_hi = qmax if hi == math.inf else int(np.clip(round(hi / scale) + zp, qmin, qmax))
    return q_lo, q_hi
