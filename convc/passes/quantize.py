"""convc-quantize: post-training INT8 calibration of every activation.

Runs the float TOSA function over the calibration samples, records each activation's range and
a subsample of its values, and picks a clipping range per tensor that minimises quantization
MSE (network inputs and outputs keep their full range). The result is an annotation on each
defining op: `convc.scale` (f64) and `convc.zp` (i64); the function carries the input
parameters. Ops that only move data (transpose, reshape, slice, max-pool) inherit their input's
parameters, so they need no rescaling on the DPU. Weights are quantized during lowering.

When `precision` rules ask for narrower activations (int4, int2), each op also records the
clipping range that is MSE-optimal at that width (`convc.clip_int4 = [lo, hi]`): which layers
get it is only known once they are lowered, and the samples are only at hand here.
"""

import numpy as np

from convc.frontend import tosa_eval
from convc.ir.util import body_ops, defining_op, entry_func, op_name
from convc.ir.locations import node_name
from convc.ir.mlir import ir
from convc.quant_math import ACTIVATION_PRECISIONS, BITS, SUBSAMPLE, activation_qparams, mse_optimal_range
from convc.passes.api import QDQ_SCALES, Pass, no_target
from convc.runtime.progress import progress
from convc.ir.attrs import f64, i64

# Ops whose output keeps the input's quantization: they move or pick codes (a bilinear resize
# mixes them, but its results lie between its inputs, so the input's range covers them).
TRANSPARENT = {"tosa.transpose", "tosa.reshape", "tosa.slice", "tosa.max_pool2d", "tosa.reduce_max", "tosa.identity",
               "tosa.cast", "tosa.resize"}


class _Stats:
    """Exact min/max plus a deterministic random subsample of the values seen.

    Random positions, not a stride: in an NHWC tensor a stride that shares a factor with the
    channel count samples a few channels only (size // 2048 = 32 on a 32-channel map reads
    channel 0 alone), and the clipping search then cuts the other channels' range.
    """

    PER_SAMPLE = 2048

    def __init__(self):
        self.lo, self.hi, self.parts = np.inf, -np.inf, []
        self.rng = np.random.default_rng(0)  # fixed seed: identical inputs, identical ranges

    def add(self, value: np.ndarray):
        flat = value.reshape(-1).astype(np.float32, copy=False)  # comparisons give booleans
        self.lo, self.hi = min(self.lo, float(flat.min())), max(self.hi, float(flat.max()))
        if flat.size > self.PER_SAMPLE:
            flat = flat[np.sort(self.rng.integers(0, flat.size, self.PER_SAMPLE))]
        self.parts.append(flat)

    def values(self) -> np.ndarray:
        v = np.concatenate(self.parts)
        return v[:: max(1, v.size // SUBSAMPLE)]


def qparams_of(value) -> tuple[float, int]:
    """The (scale, zero point) annotation of a calibrated float value."""
    op = defining_op(value)
    if op is None:
        func_op = value.owner.owner
        idx = value.arg_number
        scales = func_op.attributes["convc.input_scales"]
        return ir.FloatAttr(scales[idx]).value, list(func_op.attributes["convc.input_zps"])[idx]
    return ir.FloatAttr(op.attributes["convc.scale"]).value, ir.IntegerAttr(op.attributes["convc.zp"]).value


def _input_range(ctx, arg, stats) -> tuple[float, float]:
    """An `input_range` opportunity replaces the calibrated range of a network input."""
    name = node_name(arg.location)
    for rule in ctx.annotations.of_kind("input_range") if ctx.annotations else []:
        if rule.value("input") == name:
            return rule.value("low"), rule.value("high")
    return stats.lo, stats.hi


def _qdq_scales(module_op) -> dict:
    """{node or input name: (scale, zp)} a pre-quantized model carries (frontend/qdq.py)."""
    if QDQ_SCALES not in module_op.attributes:
        return {}
    return {a.name: (ir.FloatAttr(ir.ArrayAttr(a.attr)[0]).value, ir.IntegerAttr(ir.ArrayAttr(a.attr)[1]).value)
            for a in ir.DictAttr(module_op.attributes[QDQ_SCALES])}


def narrow_activations(ctx) -> list[str]:
    """Activation precisions below int8 that some `precision` rule asks for."""
    wanted = {r.value("activations") for r in ctx.annotations.of_kind("precision")} if ctx.annotations else set()
    return [p for p in ACTIVATION_PRECISIONS if p in wanted and BITS[p] < 8]


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    block = func_op.regions[0].blocks[0]
    ops = body_ops(func_op)
    index = {op.results[0]: i for i, op in enumerate(ops) if len(op.results) == 1}
    stats = {i: _Stats() for i in range(len(ops))}
    arg_stats = [_Stats() for _ in block.arguments]
    samples = ctx.calibration
    if not samples:
        raise ValueError("convc-quantize needs calibration samples (the driver supplies synthetic ones)")
    constants = {}
    with progress("calibrating", len(samples)) as advance:
        for sample in samples:
            for s, x in zip(arg_stats, sample):
                s.add(np.asarray(x, np.float32))
            tosa_eval.run_function(func_op, sample, record=lambda op, v: stats[index[op.results[0]]].add(v),
                                   constants=constants)
            advance()

    returned = {v for op in ops if op_name(op) == "func.return" for v in op.operands}
    given = _qdq_scales(module_op)
    input_params = [given.get(node_name(arg.location)) or activation_qparams(*_input_range(ctx, arg, s))
                    for arg, s in zip(block.arguments, arg_stats)]
    names = {node_name(arg.location) for arg in block.arguments}
    for rule in ctx.annotations.of_kind("input_range") if ctx.annotations else []:
        if rule.value("input") not in names:
            ctx.warnings.append(f"{rule.where}: input_range names '{rule.value('input')}', which is not a "
                                f"network input ({', '.join(sorted(names))})")
    func_op.attributes["convc.input_scales"] = ir.ArrayAttr.get([f64(s) for s, _ in input_params])
    func_op.attributes["convc.input_zps"] = ir.DenseI64ArrayAttr.get([z for _, z in input_params])

    narrow = narrow_activations(ctx)
    # A QDQ model's scale of a node's output goes to the node's last op that sets its own.
    owner = {node_name(op.location): i for i, op in enumerate(ops)
             if op_name(op) not in TRANSPARENT and op_name(op) not in tosa_eval.STRUCTURAL and stats[i].parts}
    from_model = {owner[name]: qp for name, qp in given.items() if name in owner}
    for i, op in enumerate(ops):
        if op_name(op) in tosa_eval.STRUCTURAL or op_name(op) == "func.return" or stats[i].parts == []:
            continue
        if op_name(op) in TRANSPARENT:
            scale, zp = qparams_of(op.operands[0])
        elif i in from_model:
            scale, zp = from_model[i]
        else:
            st = stats[i]
            is_output = op.results[0] in returned
            lo, hi = (st.lo, st.hi) if is_output else mse_optimal_range(st.values(), st.lo, st.hi)
            scale, zp = activation_qparams(lo, hi)
            for prec in narrow:
                clip = (st.lo, st.hi) if is_output else mse_optimal_range(st.values(), st.lo, st.hi,
                                                                          bits=BITS[prec])
                op.attributes[f"convc.clip_{prec}"] = ir.DenseF64ArrayAttr.get(list(clip))
        op.attributes["convc.scale"] = f64(scale)
        op.attributes["convc.zp"] = i64(zp)
    ctx.info["calibration_samples"] = len(samples)


PASS = Pass("convc-quantize", run,
            "Calibrate activations (MSE-optimal clipping) and annotate int8 scale/zero point",
            target_key=no_target)
