"""The precision of one layer: its first matching `precision` rule, else a `reduced_precision`
opportunity the target can exploit, else int8 — checked against the target's array modes.

`weights` applies to layers that have weights (imc.conv2d, imc.matmul, dpu.dwconv2d);
`activations` to layers that compute a new tensor (requantizing ops). Data-movement ops
(max-pool, transpose, reshape, concat) keep their input's codes, so neither part applies.
IMC layers need an array mode for their weight bits and their input's bits; the DPU computes
int8 arithmetic, which holds any narrower code exactly.
"""

from dataclasses import dataclass

from convc.quant_math import ACTIVATION_PRECISIONS, BITS
from convc.passes.directives import layer_of, refuse, rule_for
from convc.engines import home_engine
from convc.engines.imc import array_bits


@dataclass(frozen=True)
class Precision:
    weights: str = "int8"
    activations: str = "int8"

    @property
    def weight_bits(self) -> int:
        return BITS[self.weights]

    @property
    def act_bits(self) -> int:
        return BITS[self.activations]


INT8 = Precision()
OPPORTUNITY_WEIGHTS = "int4"  # what a `reduced_precision` opportunity lowers IMC weights to


def _names(bits: list[int], candidates) -> list[str]:
    return [p for p in candidates if BITS[p] in bits]


def weight_precisions(target) -> list[str]:
    """Weight precisions the target's arrays execute (`imc.supported_weight_bits`)."""
    return _names(array_bits(target, "weight_bits"), BITS)


def activation_precisions(target) -> list[str]:
    """Activation precisions the arrays take as inputs (`imc.supported_input_bits`)."""
    return _names(array_bits(target, "input_bits"), ACTIVATION_PRECISIONS)


def choose(ctx, op, has_weights: bool) -> tuple[Precision, object]:
    """(precision, deciding rule or None) for a requantizing engine op just built at int8."""
    on_imc = home_engine(op).array_modes  # the arrays' modes bound its precisions
    rule = rule_for(ctx, "precision", op)
    if rule is not None:
        weights = rule.value("weights") if has_weights and rule.value("weights") else "int8"
        acts = rule.value("activations") or "int8"
        why = _refusal(ctx.target, on_imc, weights, acts)
        if why is None:
            return Precision(weights, acts), rule
        refuse(ctx, rule, f"{why} (layer '{layer_of(op).node}')", "int8")
        return INT8, None
    opportunity = rule_for(ctx, "reduced_precision", op)
    if opportunity is not None and has_weights:
        if not on_imc:
            return INT8, None  # the DPU gains nothing from narrower weights
        if OPPORTUNITY_WEIGHTS in weight_precisions(ctx.target):
            ctx.exploited_opportunities.add(opportunity)
            return Precision(OPPORTUNITY_WEIGHTS), opportunity
        ctx.unexploited_opportunities.add(opportunity)
    return INT8, None


def _refusal(target, on_imc: bool, weights: str, acts: str) -> str | None:
    if acts not in ACTIVATION_PRECISIONS:
        return f"activations are zero-pointed integers ({', '.join(ACTIVATION_PRECISIONS)}), not {acts}"
    if on_imc and weights not in weight_precisions(target):
        return f"{target.name} executes {', '.join(weight_precisions(target))} weights only, not {weights}"
    if acts not in activation_precisions(target):
        return (f"{target.name}'s arrays take {', '.join(activation_precisions(target))} "
                f"activations only, not {acts}")
    return None
