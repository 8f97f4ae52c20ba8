"""convc-analog-split: which layers run on the analog array, measured on the calibration set.

On a target with an analog array (`aimc`), a convolution or matrix product can run there with
ternary weights and inputs at the DACs' resolution, or stay on a digital array at int8. The
split is a trade-off the expert must see, so it is measured, not guessed: on the float TOSA
function and the calibration samples (at most SAMPLES), each candidate layer's *sensitivity*
is the network's relative output error ||y' - y|| / ||y|| when only that layer is made analog
(its weights replaced by their per-channel ternary approximation, quant_math.weight_qparams;
its input rounded to the DAC codes over its calibrated range). Then, least sensitive first,
layers join the analog set while the network's error with the whole set stays within the
budget: BUDGET by default, or half the bound of a `constraint max_error` (an absolute error:
the other half is left to int8 quantization). The ADC's clipping is not in the measurement: it
depends on the tiling and the gain, chosen later on the real integers (convc-calibrate-engines).

The pass only proposes: it sets `convc.proposed_weights = "ternary"` on the chosen TOSA ops and
`convc.analog_sensitivity` on every candidate; the lowering uses the proposal where no
`precision` rule decides (a rule `precision SEL weights int8` keeps a layer digital, `weights
ternary` makes it analog), and `place` rules still apply. The report shows each layer's engine
and sensitivity and the share of MACs on the analog array.
"""

from collections import ChainMap

import numpy as np

from convc import quant_math as qm
from convc.engines.analog import ANALOG_WEIGHTS, analog_spec
from convc.frontend import tosa_eval
from convc.ir.locations import node_name
from convc.ir.schema import ANALOG_SENSITIVITY, PROPOSED_WEIGHTS
from convc.ir.util import defining_op, entry_func, is_constant, op_name
from convc.passes.api import Pass

BUDGET = 0.2  # relative output error the analog layers may add, without a max_error constraint
SAMPLES = 8


def candidates(ops) -> list:
    """Convolutions and matrix products with constant weights: what an analog array can hold."""
    return [op for op in ops if op_name(op) in ("tosa.conv2d", "tosa.matmul")
            and is_constant(op.operands[1]) and not is_constant(op.operands[0])]


def ternary(op) -> np.ndarray:
    """The layer's weights as the analog array holds them: ternary codes times their scales."""
    w = tosa_eval.const_value(defining_op(op.operands[1])).astype(np.float64)
    if op_name(op) == "tosa.conv2d":  # OHWI, one scale per output channel
        codes, scales = qm.weight_qparams(w, axis=0, precision=ANALOG_WEIGHTS)
        return (codes * scales.reshape(-1, 1, 1, 1)).astype(np.float32)
    codes, scales = qm.weight_qparams(w[0], axis=1, precision=ANALOG_WEIGHTS)  # [1, K, N]
    return (codes * scales.reshape(1, -1))[None].astype(np.float32)


def dac_rounding(x: np.ndarray, lo: float, hi: float, spec) -> np.ndarray:
    """x at the DACs' resolution over the calibrated range [lo, hi] (engines/analog.py's codes)."""
    d_lo, d_hi = spec.dac_range(signed=lo < 0)
    scale = hi / d_hi if lo >= 0 else max(-lo / -d_lo, hi / d_hi)
    scale = scale or 1.0
    return (np.clip(np.rint(x / scale), d_lo, d_hi) * scale).astype(np.float32)


class _Network:
    """The float function on the calibration samples, re-evaluated with some layers analog."""

    def __init__(self, func_op, samples, spec):
        self.ops = [op for op in func_op.regions[0].blocks[0].operations]
        self.index = {op.operation: i for i, op in enumerate(self.ops)}
        self.spec, self.envs = spec, []
        block = func_op.regions[0].blocks[0]
        for sample in samples:
            env = {arg: np.asarray(x, np.float32) for arg, x in zip(block.arguments, sample)}
            for op in self.ops[:-1]:
                env[op.results[0]] = tosa_eval.evaluate_op(op, env)
            self.envs.append(env)
        self.outputs = [[env[v] for v in self.ops[-1].operands] for env in self.envs]
        self.ranges, self.weights = {}, {}

    def ternary(self, op) -> np.ndarray:
        """ternary(op), computed once per layer however often the greedy search asks."""
        i = self.index[op.operation]
        if i not in self.weights:
            self.weights[i] = ternary(op)
        return self.weights[i]

    def input_range(self, op) -> tuple[float, float]:
        if op.operation not in self.ranges:
            x = op.operands[0]
            self.ranges[op.operation] = (min(float(e[x].min()) for e in self.envs),
                                         max(float(e[x].max()) for e in self.envs))
        return self.ranges[op.operation]

    def outputs_with(self, analog: list) -> list:
        """The network's outputs per sample with the ops `analog` made analog: the baseline
        values up to the first of them, the rest evaluated again."""
        changed = {op.operation: self.ternary(op) for op in analog}
        first = min(self.index[o] for o in changed)
        out = []
        for env in self.envs:
            new = dict(env)
            for op in self.ops[first:-1]:
                if op.operation in changed:
                    x = dac_rounding(new[op.operands[0]], *self.input_range(op), self.spec)
                    new[op.results[0]] = tosa_eval.evaluate_op(
                        op, ChainMap({op.operands[0]: x, op.operands[1]: changed[op.operation]}, new))
                else:
                    new[op.results[0]] = tosa_eval.evaluate_op(op, new)
            out.append([new[v] for v in self.ops[-1].operands])
        return out

    def error(self, analog: list) -> float:
        """Relative output error ||y' - y|| / ||y|| with the ops `analog` made analog."""
        pairs = [(a.astype(np.float64), b.astype(np.float64)) for outs, refs in zip(self.outputs_with(analog), self.outputs)
                 for a, b in zip(outs, refs)]
        den = sum(float(np.square(b).sum()) for _, b in pairs)
        return float(np.sqrt(sum(float(np.square(a - b).sum()) for a, b in pairs) / den)) if den else 0.0

    def max_abs_error(self, analog: list) -> float:
        return max(float(np.abs(a - b).max()) for outs, refs in zip(self.outputs_with(analog), self.outputs)
                   for a, b in zip(outs, refs))


def run(module_op, ctx) -> None:
    spec = analog_spec(ctx.target)
    if spec is None:
        return
    func_op = entry_func(module_op)
    layers = candidates(list(func_op.regions[0].blocks[0].operations))
    if not layers:
        return
    net = _Network(func_op, ctx.calibration[:SAMPLES], spec)
    sensitivity = [net.error([op]) for op in layers]  # layers are in program order
    bound = _max_error_bound(ctx)
    within = ((lambda chosen: net.max_abs_error(chosen) <= bound / 2) if bound is not None
              else (lambda chosen: net.error(chosen) <= BUDGET))
    chosen = []
    for i in sorted(range(len(layers)), key=lambda i: (sensitivity[i], i)):
        if within([layers[j] for j in sorted(chosen + [i])]):
            chosen.append(i)
    chosen.sort()
    measured = net.error([layers[i] for i in chosen]) if chosen else 0.0
    # Only now the attributes: an Operation's hash changes with its attributes, so the
    # network's op-keyed maps would no longer find the ops.
    for op, value in zip(layers, sensitivity):
        ANALOG_SENSITIVITY.set(op, value)
    for i in chosen:
        PROPOSED_WEIGHTS.set(layers[i], ANALOG_WEIGHTS)
    ctx.info["analog_split"] = {
        "budget": {"max_abs_error": bound / 2} if bound is not None else {"relative_error": BUDGET},
        "measured_error": round(measured, 6),
        "sensitivity": {node_name(op.location): round(v, 6) for op, v in zip(layers, sensitivity)},
        "analog_layers": [node_name(layers[i].location) for i in chosen]}


def _max_error_bound(ctx):
    rules = ctx.annotations.of_kind("max_error") if ctx.annotations else []
    return min((r.value("bound") for r in rules), default=None)


PASS = Pass("convc-analog-split", run,
            "On targets with an analog array: measure each layer's sensitivity to ternary weights and DAC inputs "
            "on the calibration set, propose the least sensitive layers for the analog array within an error budget",
            target_key=lambda target: repr(analog_spec(target)))
