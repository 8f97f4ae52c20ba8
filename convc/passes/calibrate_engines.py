"""convc-calibrate-engines: engines choose what depends on the data, on the real integer inputs.

Some engine choices can only be made on the integers an op will see, after its quantization,
placement and tiling are fixed: an analog layer's ADC gain depends on the column sums of each
row tile it runs as (engines/imc_analog.py). This pass quantizes the calibration samples (at
most CALIBRATION_SAMPLES of them) as the host will, runs the integer reference op by op
(driver/int_reference.py), and before each op whose engine asks (`Engine.needs_calibration`)
hands the engine that op's operand values per sample (`Engine.calibrate`); the op is then
evaluated with the choice made, so later layers calibrate on the inputs the stream will
really give them. A program without such ops is left untouched and costs nothing here.
"""

import numpy as np

from convc import quant_math as qm
from convc.driver import int_reference
from convc.engines import engine_of
from convc.ir.mlir import ir
from convc.ir.util import entry_func
from convc.passes.api import Pass
from convc.passes.engine_ops import engine_ops

CALIBRATION_SAMPLES = 8


def integer_samples(module_op, ctx, count: int) -> list[list[np.ndarray]]:
    """The first `count` calibration samples as the host quantizes them for the stream."""
    func_op = entry_func(module_op)
    scales = [ir.FloatAttr(a).value for a in func_op.attributes["convc.input_scales"]]
    zps = list(func_op.attributes["convc.input_zps"])
    return [[qm.quantize(x, s, z) for x, s, z in zip(sample, scales, zps)] for sample in ctx.calibration[:count]]


def run(module_op, ctx) -> None:
    if not any(engine_of(op).needs_calibration(op) for op in engine_ops(module_op)):
        return
    samples = integer_samples(module_op, ctx, CALIBRATION_SAMPLES)

    def before(op, operands):
        if engine_of(op) is not None and engine_of(op).needs_calibration(op):
            engine_of(op).calibrate(op, [[np.asarray(v) for v in args] for args in operands])

    int_reference.run_samples(module_op, samples, before)


PASS = Pass("convc-calibrate-engines", run,
            "Let engines choose data-dependent settings (an analog layer's ADC gain) on the calibration inputs")
