"""convc-check-precision: propagate and check the precision every engine op computes in.

convc-lower-to-engines chose each layer's precision (`precision` rules, `reduced_precision`
opportunities). This pass, on the lowered IR:
- gives data-movement ops (max-pool, transpose, reshape, concat) their inputs' `act_bits`, and
  every IMC op the bits of its input (`in_bits`): weight and input bits select the array mode;
- checks that weights fit their precision's codes, outputs fit their `act_bits`, and the
  target's arrays offer every mode used: an op that breaks this (hand-written IR, a plugin)
  would otherwise be silently truncated by the bit-serial array;
- reports `reduced_precision` opportunities the target could not exploit.
"""

from convc.errors import PassError
from convc.ir.locations import describe
from convc.quant_math import code_range, weight_codes
from convc.frontend.tosa_eval import const_value
from convc.passes.api import Pass
from convc.ir.attrs import get_int, get_str, i64
from convc.passes.directives import HEURISTIC
from convc.passes.engine_ops import activation_operands, number_ops, producer
from convc.passes.precision import OPPORTUNITY_WEIGHTS, activation_precisions, weight_precisions
from convc.ir.mlir import ir


def bits_of(value) -> int:
    src = producer(value)
    return 8 if src is None else get_int(src, "act_bits", 8)


def _check_weights(op) -> None:
    precision = get_str(op, "weight_precision")
    if precision is None:
        return
    w = const_value(op.operands[1].owner)
    lo, hi = weight_codes(precision)
    if w.min() < lo or w.max() > hi or (precision == "binary" and (w == 0).any()):
        raise PassError(f"{describe(op)}: weights do not fit {precision} codes [{lo}, {hi}]")


def _check_output(op) -> None:
    bits = get_int(op, "act_bits", 8)
    lo, hi = code_range(bits)
    if "clamp_min" in op.operation.attributes and not lo <= get_int(op, "clamp_min") <= get_int(op, "clamp_max") <= hi:
        raise PassError(f"{describe(op)}: clamp range [{get_int(op, 'clamp_min')}, {get_int(op, 'clamp_max')}] "
                        f"does not fit its {bits}-bit activations")


def _check_modes(op, target) -> None:
    weights = get_str(op, "weight_precision", "int8")
    inputs = f"int{get_int(op, 'in_bits')}"
    if weights not in weight_precisions(target) or inputs not in activation_precisions(target):
        raise PassError(f"{describe(op)}: {target.name}'s arrays have no mode for {weights} weights "
                        f"with {inputs} inputs")


def run(module_op, ctx) -> None:
    for op in number_ops(module_op):
        attrs = op.operation.attributes
        if "act_bits" not in attrs:
            inputs = activation_operands(op)
            moves_data = "clamp_min" not in attrs
            attrs["act_bits"] = i64(max((bits_of(v) for v in inputs), default=8) if moves_data else 8)
        if hasattr(op, "weights") and "weight_precision" not in attrs:
            attrs["weight_precision"] = ir.StringAttr.get("int8")
        if op.operation.name.startswith("imc."):
            attrs["in_bits"] = i64(bits_of(op.operands[0]))
            _check_modes(op, ctx.target)
        if "precision_source" not in attrs:
            attrs["precision_source"] = ir.StringAttr.get(HEURISTIC)
        _check_weights(op)
        _check_output(op)
    for rule in sorted(ctx.options.get("unexploited_opportunities", ()), key=lambda r: r.line):
        ctx.warnings.append(f"{rule.where}: reduced_precision opportunity not exploited: "
                            f"{ctx.target.name} executes {', '.join(weight_precisions(ctx.target))} "
                            f"weights only")
    for rule in sorted(ctx.options.get("exploited_opportunities", ()), key=lambda r: r.line):
        ctx.info.setdefault("exploited_opportunities", []).append(
            f"{rule.where}: reduced_precision → {OPPORTUNITY_WEIGHTS} weights on the IMC layers it selects")


PASS = Pass("convc-check-precision", run,
            "Propagate activation bits, set IMC input bits, check weights/outputs fit their precision")
