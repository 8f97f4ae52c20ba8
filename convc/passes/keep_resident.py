"""convc-keep-resident: under the throughput objective, keep constants on chip when they fit.

Every inference reads each layer's weights once per core that runs a copy of the layer;
from DRAM that costs `dram` bandwidth, from L2 four times less on thetis. The vendor's
compilers preload the weights of a network that fits on chip (ResNet-50's int8 weights,
about 25 MB, fit a 32 MiB L2). This pass budgets the L2: the activations' peak, planned as
convc-plan-memory plans them (first fit over live ranges), stays free, and the layers'
constants are made resident in program order while the distinct bytes fit the rest
(identical blobs, the copies of a layer split across cores, count once). A chosen layer gets
`convc.source.resident` naming the objective; convc-plan-memory then preloads its constants
into the bottom of L2 like a `resident` rule's, and the cost model prices their loads from L2
from convc-allocate-cores on.

`resident` rules still decide the layers they match (first match wins); with the latency
objective only they do.
"""

from convc.engines import engine_of
from convc.engines.base import align
from convc.ir.schema import REPLICA, SOURCE
from convc.passes.api import Pass, objective_of
from convc.passes.directives import rule_for
from convc.passes.engine_ops import number_ops
from convc.passes.plan_memory import activation_peak


def run(module_op, ctx) -> None:
    goal = objective_of(module_op)
    if goal.kind != "throughput":
        return
    ops = number_ops(module_op)
    size = ctx.target.l2.size
    # The copies of a layer split across cores go to different cores (convc-allocate-cores),
    # copy i of consecutive layers to the same one: budget the activations as planned then.
    room = size - activation_peak(module_op, size, lambda op: REPLICA.get(op)[0] if REPLICA.has(op) else None)
    stored, used, layers = set(), 0, 0
    for op in ops:
        engine = engine_of(op)
        core = next((c for c in range(ctx.target.cores) if engine.kind in ctx.target.engines(c)), None)
        if core is None:
            continue
        ruled = rule_for(ctx, "resident", op) is not None  # a rule decides (convc-plan-memory); it takes room
        if not ruled:
            # Tiled as a resident layer: convc-tile will price its weight loads from L2, and
            # cheaper loads can favour a larger packed tile, so budget the blobs it will get.
            SOURCE.set(op, "resident", goal.source)
        constants = engine.constants_as_tiled(op, ctx.target, core)
        fresh = [blob for blob in constants.values() if blob not in stored]
        need = sum(align(len(blob)) for blob in fresh)
        if not ruled and (not constants or used + need > room):
            SOURCE.member("resident").delete(op)  # a later, smaller layer may still fit
            continue
        stored.update(fresh)
        used += need
        layers += 0 if ruled else 1
    ctx.info["resident_by_objective"] = {"layers": layers, "bytes": used, "l2_room": max(room, 0)}


PASS = Pass("convc-keep-resident", run, "Throughput objective: keep constants resident in L2 while they fit beside the activations")
