"""convc-schedule: make the cross-core order explicit with signal/wait events.

Each core runs its ops in program order, so dependencies between ops on one core need nothing.
For a dependency that crosses cores — a data edge, or a write-after-read hazard recorded by the
memory plan — the consumer waits for the producer's event (event id = producer's op id) and the
producer signals it when its output is written. Waits only ever point to earlier ops, so the
stream cannot deadlock. Sets `waits` and `signal` on every engine op.

It also re-estimates the end-to-end latency on the final mapping (`estimated_cycles`): the
placement's estimate predates tiling, sparse tiles and resident weights.
"""

from convc.engines import engine_of
from convc.passes.api import Pass
from convc.passes.engine_ops import activation_operands, engine_ops, is_view, producer
from convc.ir.schema import AFTER, CORE, ID, SIGNAL, WAITS


def run(module_op, ctx) -> None:
    ops = engine_ops(module_op)
    by_id = {ID.get(op): op for op in ops}
    signals = set()
    events = 0
    for op in ops:
        deps = {ID.get(p) for p in (producer(v) for v in activation_operands(op)) if p is not None}
        deps |= set(AFTER.get(op, []))
        core = CORE.get(op)
        waits = sorted(d for d in deps if CORE.get(by_id[d]) != core)
        signals.update(waits)
        WAITS.set(op, waits)
        events += len(waits)
    for op in ops:
        SIGNAL.set(op, 1 if ID.get(op) in signals else 0)
    ctx.info["sync_waits"] = events
    ctx.info["estimated_cycles"] = estimate(ops, ctx.target)


def estimate(ops, target) -> int:
    """Finish time of the last op: cores run their ops in order; an op starts when its core is
    free (weight prefetch may start earlier) and its inputs and hazards are done."""
    finish, core_free = {}, [0] * target.cores
    for op in ops:
        i, core = ID.get(op), CORE.get(op)
        deps = {ID.get(p) for p in (producer(v) for v in activation_operands(op)) if p is not None}
        deps |= set(AFTER.get(op, []))
        ready = max((finish[d] for d in deps), default=0)
        if is_view(op):
            finish[i] = ready
            continue
        cost = engine_of(op).cost(op, target, core)
        finish[i] = max(core_free[core] + cost.prefetch, ready) + cost.body
        core_free[core] = finish[i]
    return max(finish.values(), default=0)


PASS = Pass("convc-schedule", run, "Insert cross-core signal/wait events for data and reuse hazards")
