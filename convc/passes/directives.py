"""How passes consult the annotation file: the matching rule for a layer, checked against the
target, with `--relax` turning a rule the target cannot honour into a warning and a fallback.

Every decision a pass makes records its source on the op (`convc.source.<decision>`): either
"heuristic" or the rule's `file:line`, so the report can say where each decision came from.
"""

import difflib

from convc.annotations.parser import Layer
from convc.errors import ConvcError
from convc.ir.locations import node_name
from convc.ir.attrs import get_array, tensor_shape
from convc.ir.schema import ID, SOURCE
from convc.passes.engine_ops import engine_ops

HEURISTIC = "heuristic"


class DirectiveError(ConvcError):
    pass


def layer_of(op, onnx_types=None) -> Layer:
    """The selector's view of an engine op; `onnx_types` maps node names to ONNX op types."""
    name = op.operation.name
    attrs = op.operation.attributes
    kernel = tuple(op.kernel_shape()) if hasattr(op, "kernel_shape") else None
    stride = get_array(op, "stride")[0] if "stride" in attrs else None
    node = node_name(op.location)
    return Layer(node=node, op_type=(onnx_types or {}).get(node, ""), kind=name,
                 channels=tensor_shape(op.results[0])[-1] if tensor_shape(op.results[0]) else 1,
                 kernel=kernel, stride=stride, id=ID.get(op, -1))


def rule_for(ctx, kind: str, op):
    return ctx.annotations.first(kind, layer_of(op, ctx.onnx_types)) if ctx.annotations else None


def refuse(ctx, rule, why: str, fallback: str) -> None:
    """A rule the target cannot honour: an error, or with --relax a warning and the fallback."""
    message = f"{rule.where}: {rule.kind} rule cannot be honoured: {why}"
    if not ctx.relax:
        raise DirectiveError(message)
    if rule.where not in ctx.refused_rules:  # one warning per rule, however many layers it matches
        ctx.refused_rules.add(rule.where)
        ctx.warnings.append(f"{message}; using {fallback} (--relax)")


def warn_unmatched(module, ctx) -> None:
    """A warning for each rule whose selector matches no engine op of the finished module."""
    layers = [layer_of(op, ctx.onnx_types) for op in engine_ops(module.operation)]
    for rule in ctx.annotations.rules if ctx.annotations and layers else ():
        if rule.selector is not None and not any(rule.selector.matches(layer) for layer in layers):
            names = [v for kind, v in rule.selector.atoms if kind == "name"]
            close = difflib.get_close_matches(names[0], sorted({layer.node for layer in layers}), n=3) if names else []
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            ctx.warnings.append(f"{rule.where}: {rule.kind} rule matches no layer{hint}")


def source(rule) -> str:
    return f"{rule.path}:{rule.line}" if rule else HEURISTIC


def set_source(op, decision: str, rule) -> None:
    SOURCE.set(op, decision, source(rule))
