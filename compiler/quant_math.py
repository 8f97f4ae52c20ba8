"""Quantization arithmetic shared by the quantize and lowering passes.

Activations: asymmetric per-tensor int8 (scale, zero point). Weights: symmetric per-channel
int8. Biases: int32 at scale s_in * s_w. Real-valued rescale factors become an integer
multiplier (< 2^31) and a right shift, the form the DPU executes.
"""

import math

import numpy as np

QMIN, QMAX = -128, 127
SUBSAMPLE = 65536  # values kept per tensor for the clipping search


def activation_qparams(lo: float, hi: float) -> tuple[float, int]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)  # zero must be exactly representable (padding, ReLU)
    if hi - lo < 1e-12:
        hi = lo + 1e-6
    scale = (hi - lo) / (QMAX - QMIN)
    zp = int(np.clip(round(QMIN - lo / scale), QMIN, QMAX))
    return float(scale), zp


def quantize(x: np.ndarray, scale: float, zp: int) -> np.ndarray:
    """Host-side quantization, identical to the runtime's: round half to even, then clip."""
    return np.clip(np.rint(np.asarray(x, np.float64) / scale) + zp, QMIN, QMAX).astype(np.int8)


def mse_optimal_range(samples: np.ndarray, lo: float, hi: float, steps: int = 64) -> tuple[float, float]:
    """Clipping range minimising the quantization MSE of `samples` (clip + rounding error).

    Candidates shrink the calibrated [lo, hi] towards zero; plain min/max is one candidate,
    so the search never does worse than min/max on the samples.
    """
    samples = samples.astype(np.float64)
    best, best_err = (lo, hi), math.inf
    for frac in np.linspace(1.0, 0.2, steps):
        c_lo, c_hi = lo * frac, hi * frac
        scale, zp = activation_qparams(c_lo, c_hi)
        deq = (np.clip(np.rint(samples / scale) + zp, QMIN, QMAX) - zp) * scale
        err = float(np.mean((deq - samples) ** 2))
        if err < best_err * (1 - 1e-9):
            best, best_err = (c_lo, c_hi), err
    return best


def weight_qparams(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8 weights along `axis`: (int8 weights, float64 scales)."""
    moved = np.moveaxis(w.astype(np.float64), axis, 0)
    amax = np.abs(moved.reshape(moved.shape[0], -1)).max(axis=1)
    scales = np.where(amax > 0, amax / QMAX, 1.0)
    q = np.clip(np.rint(moved / scales.reshape(-1, *([1] * (moved.ndim - 1)))), -QMAX, QMAX)
    return np.moveaxis(q, 0, axis).astype(np.int8), scales


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


def int8_clamp(lo: float, hi: float, scale: float, zp: int) -> tuple[int, int]:
    """An activation's real clamp interval expressed in the output's int8 codes."""
    q_lo = QMIN if lo == -math.inf else int(np.clip(round(lo / scale) + zp, QMIN, QMAX))
    q_hi = QMAX if hi == math.inf else int(np.clip(round(hi / scale) + zp, QMIN, QMAX))
    return q_lo, q_hi
