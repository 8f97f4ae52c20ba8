"""convc-check-precision: honour `precision` rules and `reduced_precision` opportunities.

Each engine op records the precision of its weights and activations (`weight_bits`,
`act_bits`) and where the choice came from (`precision_source`). A rule asking for a precision
the target's engines do not execute is an error (with --relax: a warning, int8 kept). A
`reduced_precision` opportunity that the target cannot exploit is reported, not ignored.
"""

from convc.compiler.passes_api import Pass
from convc.dialects.attrs import i64
from convc.passes._directives import layer_of, refuse, rule_for, set_source
from convc.passes._engine_ops import number_ops

BITS = {"int8": 8, "int4": 4, "int2": 2, "ternary": 2, "binary": 1}


def supported_precisions(target) -> set[str]:
    """Weight precisions the target's IMC arrays execute (`imc.weight_precisions`, default int8)."""
    return set(target.raw.get("imc", {}).get("weight_precisions", ["int8"]))


def run(module_op, ctx) -> None:
    supported = supported_precisions(ctx.target)
    unexploited = set()
    for op in number_ops(module_op):
        rule = rule_for(ctx, "precision", op)
        if rule is not None:
            wanted = {rule.value("weights"), rule.value("activations")} - {None}
            missing = sorted(wanted - supported)
            if missing:
                refuse(ctx, rule, f"{ctx.target.name} executes {', '.join(sorted(supported))} only, not "
                                  f"{', '.join(missing)} (layer '{layer_of(op).node}')", "int8")
                rule = None
        opportunity = rule_for(ctx, "reduced_precision", op)
        if opportunity is not None and supported == {"int8"}:
            unexploited.add(opportunity)
        op.operation.attributes["weight_bits"] = i64(8)
        op.operation.attributes["act_bits"] = i64(8)
        set_source(op, "precision", rule)
    for rule in sorted(unexploited, key=lambda r: r.line):
        ctx.warnings.append(f"{rule.where}: reduced_precision opportunity not exploited: "
                            f"{ctx.target.name} executes int8 only")


PASS = Pass("convc-check-precision", run, "Apply precision rules (target-checked) and record their source")
