"""convc-allocate-cores: place every engine op on a core.

List scheduling over the dataflow graph with the engines' cost model: each op goes to the core
where it would finish first. An IMC layer's weight loading (DMA + array programming) can run
before its inputs are ready, so consecutive layers spread over cores and one core programs
its array while another computes. Sets `id` (program order) and `core` on each engine op.
Views (dpu.reshape, dpu.slice) stay on their producer's core.

A `place` rule of the annotation file pins a layer to a core (and checks the engine); the
heuristic then schedules around it. `convc.source.core` records where each placement came from.
Copies of a replicated layer (convc-replicate) go to different cores unless a rule pins them.
A `never_leaves_core N` constraint pins the layers it names and every reader of their outputs
to core N, and marks the outputs `keep_in_core` (convc-plan-memory keeps them in N's L1);
a network output cannot stay: the host reads it from DRAM.
"""

from convc.engines import engine_of
from convc.passes.api import Pass
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.engine_ops import activation_operands, is_network_output, is_view, number_ops, producer
from convc.ir.schema import CORE, ID, KEEP_IN_CORE, REPLICA


def run(module_op, ctx) -> None:
    ops = number_ops(module_op)
    placements, ctx.info["estimated_cycles"] = list_schedule(ops, ctx)
    for op, (core, rule) in zip(ops, placements):
        CORE.set(op, core)
        set_source(op, "core", rule)
        if not is_view(op) and _stay_core(ctx, op) == core and not is_network_output(op.results[0]):
            KEEP_IN_CORE.set(op, core)


def list_schedule(ops, ctx) -> tuple[list[tuple[int, object]], int]:
    """([(core, place rule or None) per op], estimated finish of the last op); ops numbered."""
    target = ctx.target
    finish: dict[int, int] = {}
    core_free = [0] * target.cores
    placements = []
    siblings = set()  # cores taken by earlier copies of the layer being replicated
    for i, op in enumerate(ops):
        preds = [p for p in (producer(v) for v in activation_operands(op)) if p is not None]
        ready = max((finish[ID.get(p)] for p in preds), default=0)
        rule = None
        if is_view(op):
            core = placements[ID.get(preds[0])][0] if preds else 0
            finish[i] = ready
        else:
            cost = engine_of(op).cost(op, target)
            cores = range(target.cores)
            rule = _placement_rule(ctx, op)
            stay = next((c for c in (_stay_core(ctx, x) for x in [op, *preds]) if c is not None), None)
            if rule is not None and rule.value("core") is not None:
                cores = [rule.value("core")]
            elif stay is not None:  # a tensor that must not leave its core: producer and readers there
                cores = [stay]
            elif REPLICA.has(op):  # copies of one layer go to different cores
                siblings = set() if REPLICA.get(op)[0] == 0 else siblings
                cores = [c for c in cores if c not in siblings] or cores
            options = [(max(core_free[c] + cost.prefetch, ready) + cost.compute + cost.dma, c) for c in cores]
            finish[i], core = min(options)
            core_free[core] = finish[i]
            siblings.add(core)
        placements.append((core, rule))
    return placements, max(finish.values(), default=0)


def _stay_core(ctx, op) -> int | None:
    """The core a never_leaves_core constraint keeps `op`'s output in, if the target has it."""
    rule = rule_for(ctx, "never_leaves_core", op)
    core = rule.value("core") if rule is not None else None
    return core if core is not None and 0 <= core < ctx.target.cores else None


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
