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
FIT_STEPS, FIT_ROWS = 4, 512  # simulated steps per input, and at most this many inputs, for a spike-fed fit
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
    bias: "_Bias"


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
    closest, in squared threshold units on those inputs, to the ideal one.

    The integer drive is the engine's: each step's summed input (bias included) times 2^shift,
    or divided by 2^-shift and rounded. A layer fed by spikes sums a few codes per step, and
    dividing such small sums rounds much of them away (a systematic loss the rates alone do not
    show), so its fit steps Bernoulli spikes drawn at the input rates (FIT_STEPS per input,
    seeded) and compares the integer drive of those very spikes with their ideal drive, averaged
    over the steps: the rounding's bias counts in full and its scatter as it averages out over
    a window, while the spikes' own randomness, the same on both sides, cancels."""
    drive = np.asarray(drive, np.float64)
    inputs = np.asarray(inputs, np.float64)
    if current_scales is None:
        rng = np.random.default_rng(0)
        if len(inputs) > FIT_ROWS:
            inputs = inputs[np.sort(rng.choice(len(inputs), FIT_ROWS, replace=False))]
        rates = np.clip(inputs, -1.0, 1.0)
        spikes = np.sign(rates) * (rng.random((FIT_STEPS, *rates.shape)) < np.abs(rates))
    qmax, qmin = (1 << (weight_bits - 1)) - 1, -(1 << (weight_bits - 1))
    top = max_threshold(membrane_bits)
    beta = np.asarray(beta, np.float64)
    best = None
    for k in current_scales or (1.0,):
        steps = spikes if current_scales is None else np.clip(np.rint(k * inputs), -128, 127)[None]
        ideal = (spikes if current_scales is None else inputs[None]) @ drive + beta
        per_current = drive / k
        peak = np.abs(per_current).max(axis=0) if per_current.size else np.zeros(drive.shape[1])
        for shift in range(min_shift, max_shift + 1):
            unit = 2.0 ** shift
            ideal_theta = np.divide(qmax * unit, peak, out=np.full(peak.shape, float(top)), where=peak > 0)
            theta = np.clip(np.rint(ideal_theta), 1, top)
            codes = np.clip(np.rint(per_current * theta / unit), qmin, qmax)
            bias = _bias(beta * theta / unit, qmax)
            # the bias joins each step's sum before the engine scales it, so it shares the rounding
            got = step_drive(steps @ codes + bias.total(), shift) / theta
            error = float(((got - ideal).mean(axis=0) ** 2).mean()) if ideal.size else 0.0
            if best is None or error < best.error:
                best = _Fit(error, k, shift, theta, codes, bias)
    bias = best.bias
    codes = np.concatenate([best.codes.astype(np.int64), split_bias(bias.codes, bias.inputs)], axis=0)
    fit = SpikingWeights(codes, best.theta.astype(np.int64), best.shift, bias.inputs, bias.clipped, bias.level)
    return fit, best.current_scale


@dataclass(frozen=True)
class _Bias:
    level: int
    codes: np.ndarray  # [n_out]: the bias codes summed over the always-on inputs (clipped to them)
    inputs: int
    clipped: int

    def total(self) -> np.ndarray:
        """What the always-on inputs add to each neuron's summed input per step."""
        return self.codes * self.level


def _bias(per_unit: np.ndarray, qmax: int) -> _Bias:
    """The always-on inputs for a bias of `per_unit` codes per unit of input."""
    level, codes, needed = bias_level(per_unit, qmax)
    inputs = min(needed, MAX_BIAS_INPUTS)
    clipped = int((np.abs(codes) > inputs * qmax).sum())
    return _Bias(level, np.clip(codes, -inputs * qmax, inputs * qmax), inputs, clipped)


def step_drive(sums: np.ndarray, shift: int) -> np.ndarray:
    """The membrane units one step's integer input sums add: scaled up by 2^shift, or divided
    by 2^-shift rounding half up (the engine's arithmetic, docs/snn.md)."""
    return sums * 2.0 ** shift if shift >= 0 else np.floor(sums / 2.0 ** -shift + 0.5)


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
