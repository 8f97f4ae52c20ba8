"""What the trace and the report need to know of a layer's memory: its L1 working set, its
output's size and level, and the layers it reads. One derivation, written into the stream's
META.layers by emission (the runtime's trace draws memory occupancy from it) and into
report.json by the report."""

import numpy as np

from convc.engines import engine_of
from convc.ir.mlir import ir
from convc.ir.schema import CORE, ID, OUT_ADDR


def reads(op) -> list[int]:
    """The ids of the layers whose results this one reads (network inputs are not layers)."""
    ids = []
    for v in op.operands:
        owner = v.owner
        if not isinstance(owner, ir.Block) and ID.has(owner) and ID.get(owner) not in ids:
            ids.append(ID.get(owner))
    return ids


def memory_facts(op, target) -> dict:
    """{"l1_bytes", "out_bytes", "reads"[, "out_level"]} of an engine op."""
    t = op.results[0].type
    facts = {"l1_bytes": sum(size for _, size in engine_of(op).l1_buffers(op, target, CORE.get(op))),
             "out_bytes": int(np.prod(t.shape)) * max(1, t.element_type.width // 8), "reads": reads(op)}
    if OUT_ADDR.has(op):
        region = target.region(OUT_ADDR.get(op), 1)
        if region is not None:
            facts["out_level"] = region.level.name
    return facts
