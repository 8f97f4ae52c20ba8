"""convc-allocate-cores: place every engine op on a core.

List scheduling over the dataflow graph with the engines' cost model: each op goes to the core
where it would finish first. An IMC layer's weight loading (DMA + array programming) can run
before its inputs are ready, so consecutive layers spread over cores and one core programs
its array while another computes. Sets `id` (program order) and `core` on each engine op.
Views (dpu.reshape) stay on their producer's core.

A `place` rule of the annotation file pins a layer to a core (and checks the engine); the
heuristic then schedules around it. `core_source` records where each placement came from.
"""

from convc.accelerators import engine_of
from convc.compiler.passes_api import Pass
from convc.dialects.attrs import get_int, i64
from convc.passes._directives import layer_of, refuse, rule_for, set_source
from convc.passes._engine_ops import activation_operands, number_ops, producer


def run(module_op, ctx) -> None:
    target = ctx.target
    finish: dict[int, int] = {}
    core_free = [0] * target.cores
    ops = number_ops(module_op)
    for i, op in enumerate(ops):
        preds = [p for p in (producer(v) for v in activation_operands(op)) if p is not None]
        ready = max((finish[get_int(p, "id")] for p in preds), default=0)
        rule = None
        if op.operation.name == "dpu.reshape":
            core = get_int(preds[0], "core") if preds else 0
            finish[i] = ready
        else:
            cost = engine_of(op).cost(op, target)
            cores = range(target.cores)
            rule = _placement_rule(ctx, op)
            if rule is not None:
                cores = [rule.value("core")] if rule.value("core") is not None else cores
            options = [(max(core_free[c] + cost.prefetch, ready) + cost.compute + cost.dma, c) for c in cores]
            finish[i], core = min(options)
            core_free[core] = finish[i]
        op.operation.attributes["core"] = i64(core)
        set_source(op, "core", rule)
    ctx.info["estimated_cycles"] = max(finish.values(), default=0)


def _placement_rule(ctx, op):
    """The matching `place` rule if the target can honour it, else None (or an error)."""
    rule = rule_for(ctx, "place", op)
    if rule is None:
        return None
    engine, core = rule.value("engine"), rule.value("core")
    if core is not None and not 0 <= core < ctx.target.cores:
        refuse(ctx, rule, f"core {core} does not exist on {ctx.target.name} ({ctx.target.cores} cores)",
               "the compiler's placement")
        return None
    if engine is not None and engine != engine_of(op).kind:
        refuse(ctx, rule, f"engine {engine} cannot run {op.operation.name} "
                          f"(layer '{layer_of(op).node}' runs on {engine_of(op).kind})", "the compiler's placement")
        return None
    return rule


PASS = Pass("convc-allocate-cores", run, "Place engine ops on cores by list scheduling on estimated cycles")
