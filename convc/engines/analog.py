"""What an analog IMC layer needs from the lowering and from calibration (the analog flavour of
the imc engine; its engine class is engines/imc_analog.py).

A layer is analog when its weights are ternary and the target has an analog array (`aimc`):
its input is requantized into the DACs' codes (zero point 0; unsigned [0, 2^b - 1] for an
input that is never negative, e.g. after a ReLU, else signed), the DAC and ADC ranges are
recorded on the op, and convc-calibrate-engines later chooses the ADC gain on the layer's real
integer inputs.
"""

import numpy as np

from convc import quant_math as qm
from convc.dialects import dpu
from convc.dialects.integer import adc_convert
from convc.ir.attrs import f64, i64
from convc.ir.schema import ADC_RANGE, DAC_RANGE

ANALOG_WEIGHTS = "ternary"  # what the cells hold
MAX_ADC_SHIFT = 24  # the runtime's limit (units/aimc.py)


def analog_spec(target):
    """The target's analog array spec (the first group's that has one), or None."""
    return next((g.engines["aimc"] for g in target.groups if "aimc" in g.engines), None)


def is_analog(target, precision) -> bool:
    return precision.weights == ANALOG_WEIGHTS and analog_spec(target) is not None


def dac_input(lw, x, s_in: float, zp_in: int, loc):
    """(DAC-code value, its scale, (lo, hi)) for an analog layer reading the int8 value `x`.

    One dpu.rescale per tensor (shared by every analog layer reading it): the codes keep the
    real range of `x` at the DACs' resolution."""
    spec = analog_spec(lw.ctx.target)
    if x in lw.dac_inputs:
        return lw.dac_inputs[x]
    unsigned = zp_in == qm.QMIN  # no code below the zero point: the tensor is never negative
    lo, hi = spec.dac_range(signed=not unsigned)
    real_lo, real_hi = (qm.QMIN - zp_in) * s_in, (qm.QMAX - zp_in) * s_in
    s_dac = real_hi / hi if unsigned else max(-real_lo / -lo, real_hi / hi)
    mult, shift = qm.multiplier(s_in / s_dac)
    codes = dpu.RescaleOp(x, i64(zp_in), i64(mult), i64(shift), i64(0), f64(s_dac), i64(lo), i64(hi),
                          output=x.type, loc=loc).output
    lw.dac_inputs[x] = (codes, s_dac, (lo, hi))
    return lw.dac_inputs[x]


def mark(op, target, dac):
    """Record the DAC and ADC ranges of an analog layer (the analog array's, on this target)."""
    DAC_RANGE.set(op, list(dac))
    ADC_RANGE.set(op, list(analog_spec(target).adc_range()))
    return op


def best_adc_shift(sums: np.ndarray, adc) -> int:
    """The gain shift whose rounding and clipping change the tile column sums `sums` the least
    (squared error; the smaller shift on ties)."""
    sums = np.asarray(sums, np.int64).reshape(-1)
    if sums.size > 1 << 20:  # a deterministic subsample keeps the search fast on big layers
        sums = sums[np.linspace(0, sums.size - 1, 1 << 20).astype(np.int64)]
    best, best_err = 0, None
    for shift in range(MAX_ADC_SHIFT + 1):
        err = float(np.square((adc_convert(sums, shift, adc) - sums).astype(np.float64)).sum())
        if best_err is None or err < best_err:
            best, best_err = shift, err
    return best
