"""convc-allocate-cores: place every engine op on a core and one of that core's engines.

List scheduling over the dataflow graph with the engines' cost model: each op goes to the
(core, engine) where it would finish first, among the cores whose engines can run it
(`Engine.refusal`, checked against that core's specs in the target file). An IMC layer's
weight loading (DMA + array programming) can run before its inputs are ready, so consecutive
layers spread over cores and one core programs its array while another computes. A host
engine runs anything, slowly, so it wins only what no other engine can take. Sets `id`
(program order), `core` and `engine` on each engine op; views (dpu.reshape, dpu.slice) stay
on their producer's core. An op no engine of the target can run is an error that names the
node and, per core group, each engine considered and why it refused.

A `place` rule of the annotation file pins a layer to a core and/or an engine kind; the
heuristic then schedules around it. `convc.source.core` records where each placement came from.
Copies of a replicated layer (convc-replicate) go to different cores unless a rule pins them.
A `never_leaves_core N` constraint pins the layers it names and every reader of their outputs
to core N, and marks the outputs `keep_in_core` (convc-plan-memory keeps them in N's L1);
a network output cannot stay: the host reads it from DRAM.
"""

from convc.engines import ENGINES, home_engine, options
from convc.errors import PassError, TargetFitError
from convc.ir.locations import describe
from convc.ir.schema import CORE, ENGINE, ID, KEEP_IN_CORE, REPLICA, SOURCE
from convc.passes.api import Pass
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.engine_ops import activation_operands, is_network_output, is_view, number_ops, producer


def run(module_op, ctx) -> None:
    ops = number_ops(module_op)
    placements, ctx.info["estimated_cycles"] = list_schedule(ops, ctx)
    for op, (core, kind, rule) in zip(ops, placements):
        CORE.set(op, core)
        if kind is not None:
            ENGINE.set(op, kind)
        set_source(op, "core", rule)
        if not is_view(op) and _stay_core(ctx, op) == core and not is_network_output(op.results[0]):
            KEEP_IN_CORE.set(op, core)


def network_outputs(ops) -> frozenset:
    """Results the host reads from DRAM (their producers' cost includes writing there)."""
    return frozenset(op.results[0] for op in ops if is_network_output(op.results[0]))


def choices(op, target, outputs=frozenset()) -> dict:
    """Per core group: {engine kind: Cost} of the engines that can run `op`, or the reasons
    they refuse ({kind: str}). Cores of a group share their specs, so one price per group."""
    out = {}
    for group in target.groups:
        core = group.first
        out[group.index] = {e.kind: (why if why else _cost_or_misfit(e, op, target, core, outputs))
                            for e, why in options(op, target, core)}
    return out


def _cost_or_misfit(engine, op, target, core, outputs):
    """The engine's price on `core`, or why the op does not fit its L1 (a refusal like any)."""
    try:
        return engine.cost(op, target, core, outputs)
    except TargetFitError as exc:
        return str(exc)


def list_schedule(ops, ctx) -> tuple[list[tuple[int, str | None, object]], int]:
    """([(core, engine kind or None for views, place rule or None) per op], estimated finish of
    the last op); ops numbered."""
    target = ctx.target
    outputs = network_outputs(ops)
    finish: dict[int, int] = {}
    core_free = [0] * target.cores
    placements = []
    siblings = set()  # cores taken by earlier copies of the layer being replicated
    for i, op in enumerate(ops):
        preds = [p for p in (producer(v) for v in activation_operands(op)) if p is not None]
        ready = max((finish[ID.get(p)] for p in preds), default=0)
        if is_view(op):
            finish[i] = ready
            placements.append((placements[ID.get(preds[0])][0] if preds else 0, None, None))
            continue
        rule = _placement_rule(ctx, op)
        cores = range(target.cores)
        stay = next((c for c in (_stay_core(ctx, x) for x in [op, *preds]) if c is not None), None)
        if rule is not None and rule.value("core") is not None:
            cores = [rule.value("core")]
        elif stay is not None:  # a tensor that must not leave its core: producer and readers there
            cores = [stay]
        elif REPLICA.has(op):  # copies of one layer go to different cores
            siblings = set() if REPLICA.get(op)[0] == 0 else siblings
            cores = [c for c in cores if c not in siblings] or cores
        by_group = choices(op, target, outputs)
        wanted_kind = rule.value("engine") if rule is not None else None
        candidates = [(max(core_free[c] + cost.prefetch, ready) + cost.body, c, kind)
                      for c in cores for kind, cost in by_group[target.core_group(c).index].items()
                      if not isinstance(cost, str) and wanted_kind in (None, kind)]
        if not candidates:
            raise PassError(f"{describe(op)}: no engine of {target.name} can run it "
                            f"({_refusals(op, target, by_group, cores)})")
        finish[i], core, kind = min(candidates)
        core_free[core] = finish[i]
        siblings.add(core)
        placements.append((core, kind, rule))
    return placements, max(finish.values(), default=0)


def _refusals(op, target, by_group, cores) -> str:
    """Per core group considered: each engine and why it refused, or that none runs the op."""
    parts = []
    for group in target.groups:
        if not any(c in cores for c in group.core_ids):
            continue
        said = by_group[group.index]
        reasons = "; ".join(f"{kind}: {why}" for kind, why in said.items() if isinstance(why, str))
        engines = ", ".join(group.engines) or "none"
        parts.append(f"group '{group.name}': " + (reasons or f"no engine runs {op.operation.name} (engines: {engines})"))
    return "; ".join(parts)


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
    target = ctx.target
    if SOURCE.has(op, "conversion") and engine is not None and not ENGINES[engine].runs(op):
        return None  # the rule converted the layer (convc-convert-to-snn); its rescale and decoder go anywhere
    if core is not None and not 0 <= core < target.cores:
        refuse(ctx, rule, f"core {core} does not exist on {target.name} ({target.cores} cores)",
               "the compiler's placement")
        return None
    if engine is not None and (engine not in ENGINES or not ENGINES[engine].runs(op)):
        refuse(ctx, rule, f"engine {engine} cannot run {op.operation.name} "
                          f"(layer '{layer_of(op).node}' runs on {home_engine(op).kind})", "the compiler's placement")
        return None
    cores = [core] if core is not None else range(target.cores)
    said = [(e.kind, why) for c in cores for e, why in options(op, target, c) if engine in (None, e.kind)]
    if not any(why is None for _, why in said):
        where = f"core {core}" if core is not None else target.name
        reasons = "; ".join(dict.fromkeys(f"{kind}: {why}" for kind, why in said))  # one line per engine kind
        refuse(ctx, rule, f"{where} has no {engine or 'engine'} that can run layer '{layer_of(op).node}'"
                          + (f" ({reasons})" if reasons else ""), "the compiler's placement")
        return None
    return rule


PASS = Pass("convc-allocate-cores", run, "Place engine ops on cores and engines by list scheduling on estimated cycles")
