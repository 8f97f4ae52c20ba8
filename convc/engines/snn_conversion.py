"""ANN-to-SNN conversion of one ReLU layer: rate coding with threshold balancing.

A ReLU layer's int8 output y (codes above its zero point) is approximated by the spike rate
of integrate-and-fire neurons run for T steps: a neuron driven by a constant current u (in
units of its threshold) fires at the rate clip(u, 0, 1), so with the layer's weights scaled by
1/Λ its rate is y / Λ, and the decoder reads y back as Λ * count / T. Λ, the layer's *rate
scale*, is the 99.9th percentile of y on the calibration inputs (percentile normalisation,
Rueckauer et al. 2017): a few larger outputs saturate at rate 1, and the others keep the
rate's resolution. Neurons reset by subtraction, so the charge above the threshold carries
over and the rate is not quantized to 1/k.

The layer's input is either int8 codes (direct encoding: currents round(k * (x - zp)), the same
at every step) or the spike raster of a converted layer before it (rate r_j standing for
Λ_in * r_j codes). Per step and in threshold units the drive is

    u_n = sum_j a_j * W_jn + beta_n,   beta_n = m_n * b_n / Λ

with `a` the input per step, W the layer's weights times its requantization factor m_n over
Λ (and times Λ_in for spikes), b its accumulator's constant term. The engine has
`weight_bits`-bit codes q, a per-layer shift s (negative: the summed current divided) and
integer thresholds θ_n: q_jn * 2^s / θ_n ≈ W_jn / k. The bias rides on `bias_inputs`
always-on inputs of value L (`bias_level`) whose weight codes add up to beta_n θ_n / (L 2^s).
L is the smallest level that needs at most FEW_BIAS_INPUTS inputs: a layer that divides its
summed current (s < 0) needs a bias of hundreds of codes per unit input, which inputs of 1
could only carry on dozens of always-on inputs (and would clip beyond MAX_BIAS_INPUTS), while
each always-on input costs a synaptic event per neuron per step.
"""

import math
from dataclasses import dataclass

import numpy as np

PERCENTILE = 99.9
MAX_BIAS_INPUTS = 16
FEW_BIAS_INPUTS = 2
BIAS_LEVELS = (1, 2, 4, 8, 16, 32, 64, 127)  # the int8 values an always-on input may carry


@dataclass(frozen=True)
class SpikingWeights:
    """One converted layer's integers for `snn.lif` (and its `snn.encode`)."""

    codes: np.ndarray       # [n_in + bias_inputs, n_out] weight codes; the bias rows last
    thresholds: np.ndarray  # [n_out]
    shift: int
    bias_inputs: int
    clipped_biases: int     # neurons whose bias exceeded the always-on inputs' codes (clipped)
    bias_level: int = 1     # the value of the always-on inputs at every step

    def params(self) -> np.ndarray:
        """[n_out, 4]: threshold, leak 0 (integrate-and-fire), v_reset 0, no refractory period."""
        p = np.zeros((len(self.thresholds), 4), np.int64)
        p[:, 0] = self.thresholds
        return p


def rate_scale(outputs_above_zero: np.ndarray, percentile: float = PERCENTILE) -> float:
    """Λ: the layer's output (codes above its zero point) that fires at every step."""
    values = np.asarray(outputs_above_zero, np.float64).reshape(-1)
    return max(1.0, float(np.percentile(values, percentile))) if values.size else 1.0


def max_threshold(membrane_bits: int) -> int:
    """The largest threshold: a quarter of the membrane's range, so a neuron just below it can
    take a step's drive of up to another threshold (and a negative swing) without saturating."""
    return 1 << (membrane_bits - 2)


@dataclass(frozen=True)
class _Fit:
    error: float
    current_scale: float
    shift: int
    theta: np.ndarray
    codes: np.ndarray


def spiking_weights(drive: np.ndarray, beta: np.ndarray, inputs: np.ndarray, current_scales, weight_bits: int,
                    membrane_bits: int, max_shift: int, min_shift: int = 0) -> tuple[SpikingWeights, float]:
    """Codes, thresholds, shift and the input's current scale for a layer whose per-step drive
    in threshold units is `inputs @ drive + beta` (see the module docstring).

    `inputs` [S, n_in] are the layer's inputs on the calibration samples, in the units `drive`
    is per: spike rates in [0, 1], or
    the int8 codes above their zero point of a direct layer, which become currents
    `round(k * x)` for one scale k among `current_scales` (None for spikes). Fine currents use the membrane's
    resolution for many small contributions and leave the weight codes too little of it;
    coarse currents the reverse. The choice is the (scale, shift) whose integer drive is
    closest, in squared threshold units on those inputs, to the ideal one."""
    drive = np.asarray(drive, np.float64)
    inputs = np.asarray(inputs, np.float64)
    ideal = inputs @ drive
    qmax, qmin = (1 << (weight_bits - 1)) - 1, -(1 << (weight_bits - 1))
    top = max_threshold(membrane_bits)
    best = None
    for k in current_scales or (1.0,):
        currents = inputs if current_scales is None else np.clip(np.rint(k * inputs), -128, 127)
        per_current = drive / k
        peak = np.abs(per_current).max(axis=0) if per_current.size else np.zeros(drive.shape[1])
        for shift in range(min_shift, max_shift + 1):
            unit = 2.0 ** shift
            ideal_theta = np.divide(qmax * unit, peak, out=np.full(peak.shape, float(top)), where=peak > 0)
            theta = np.clip(np.rint(ideal_theta), 1, top)
            codes = np.clip(np.rint(per_current * theta / unit), qmin, qmax)
            error = float(((currents @ (codes * unit / theta) - ideal) ** 2).mean()) if ideal.size else 0.0
            if best is None or error < best.error:
                best = _Fit(error, k, shift, theta, codes)
    per_unit = np.asarray(beta, np.float64) * best.theta / 2.0 ** best.shift  # codes for an input of 1
    level, bias_codes, needed = bias_level(per_unit, qmax)
    bias_inputs = min(needed, MAX_BIAS_INPUTS)
    clipped = int((np.abs(bias_codes) > bias_inputs * qmax).sum())
    bias_codes = np.clip(bias_codes, -bias_inputs * qmax, bias_inputs * qmax)
    codes = np.concatenate([best.codes.astype(np.int64), split_bias(bias_codes, bias_inputs)], axis=0)
    fit = SpikingWeights(codes, best.theta.astype(np.int64), best.shift, bias_inputs, clipped, level)
    return fit, best.current_scale


def bias_level(per_unit: np.ndarray, qmax: int) -> tuple[int, np.ndarray, int]:
    """(level L, the bias codes at L, the always-on inputs they need): the smallest L whose
    codes fit FEW_BIAS_INPUTS inputs, else the largest."""
    for level in BIAS_LEVELS:
        codes = np.rint(per_unit / level).astype(np.int64)
        needed = int(math.ceil(np.abs(codes).max() / qmax)) if codes.size and codes.any() else 0
        if needed <= FEW_BIAS_INPUTS:
            break
    return level, codes, needed


def split_bias(bias_codes: np.ndarray, inputs: int) -> np.ndarray:
    """[inputs, n_out] codes whose column sums are `bias_codes`, as even as possible (each
    within the code range when |bias| <= inputs * qmax)."""
    if inputs == 0:
        return np.zeros((0, len(bias_codes)), np.int64)
    sign, size = np.sign(bias_codes), np.abs(bias_codes)
    base, extra = size // inputs, size % inputs
    rows = base[None, :] + (np.arange(inputs)[:, None] < extra[None, :])
    return sign[None, :] * rows
