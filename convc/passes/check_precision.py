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
from convc.ir.attrs import get_int
from convc.passes.directives import HEURISTIC
from convc.passes.engine_ops import activation_operands, number_ops, producer
from convc.passes.precision import OPPORTUNITY_WEIGHTS, weight_precisions
from convc.ir.schema import ACT_BITS, IN_BITS, SOURCE, WEIGHT_PRECISION
from convc.engines import home_engine


def bits_of(value) -> int:
    src = producer(value)
    return 8 if src is None else ACT_BITS.get(src, 8)


def _check_weights(op) -> None:
    precision = WEIGHT_PRECISION.get(op)
    if precision is None:
        return
    w = const_value(op.operands[1].owner)
    lo, hi = weight_codes(precision)
    if w.min() < lo or w.max() > hi or (precision == "binary" and (w == 0).any()):
        raise PassError(f"{describe(op)}: weights do not fit {precision} codes [{lo}, {hi}]")


def _check_output(op) -> None:
    bits = ACT_BITS.get(op, 8)
    lo, hi = code_range(bits)
    if "clamp_min" in op.operation.attributes and not lo <= get_int(op, "clamp_min") <= get_int(op, "clamp_max") <= hi:
        raise PassError(f"{describe(op)}: clamp range [{get_int(op, 'clamp_min')}, {get_int(op, 'clamp_max')}] "
                        f"does not fit its {bits}-bit activations")


def run(module_op, ctx) -> None:
    for op in number_ops(module_op):
        attrs = op.operation.attributes
        if not ACT_BITS.has(op):
            inputs = activation_operands(op)
            moves_data = "clamp_min" not in attrs
            ACT_BITS.set(op, max((bits_of(v) for v in inputs), default=8) if moves_data else 8)
        if hasattr(op, "weights") and not WEIGHT_PRECISION.has(op):
            WEIGHT_PRECISION.set(op, "int8")
        engine = home_engine(op)
        if engine.array_modes:
            IN_BITS.set(op, bits_of(op.operands[0]))
        problem = engine.precision_problem(op, ctx.target)
        if problem:
            raise PassError(f"{describe(op)}: {problem}")
        if not SOURCE.has(op, "precision"):
            SOURCE.set(op, "precision", HEURISTIC)
        _check_weights(op)
        _check_output(op)
    for rule in sorted(ctx.unexploited_opportunities, key=lambda r: r.line):
        ctx.warnings.append(f"{rule.where}: reduced_precision opportunity not exploited: "
                            f"{ctx.target.name} executes {', '.join(weight_precisions(ctx.target))} "
                            f"weights only")
    for rule in sorted(ctx.exploited_opportunities, key=lambda r: r.line):
        ctx.info.setdefault("exploited_opportunities", []).append(
            f"{rule.where}: reduced_precision → {OPPORTUNITY_WEIGHTS} weights on the IMC layers it selects")


PASS = Pass("convc-check-precision", run,
            "Propagate activation bits, set IMC input bits, check weights/outputs fit their precision")
