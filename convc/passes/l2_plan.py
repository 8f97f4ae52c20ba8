"""Where the activations live in L2: first fit over live ranges, optionally one arena per core.

Used by convc-plan-memory (the plan) and convc-keep-resident (how much L2 the plan will need).
A tensor is live from its producer to its last reader, in program order (ops numbered).
Reusing bytes is a write-after-read hazard: the new tenant's producer must wait for the
readers of the tensors that held them before (on its own core that is program order; across
cores the schedule pass adds signal/wait pairs).

With `arenas`, every tensor whose producer and readers all run on one core goes to that core's
arena, the others to a shared one; each arena is as large as a dry run of first fit over its
own tensors needs, and the arenas sit one above the other. Cores then never wait for each
other only because they reuse the same bytes: what data-parallel sub-batches need. Without
it (or when the arenas together do not fit) one first fit over all tensors packs tightest.
"""

from convc.engines.base import align
from convc.ir.attrs import nbytes as value_bytes
from convc.ir.util import op_name
from convc.ir.schema import ID
from convc.passes.engine_ops import readers

SHARED = "shared"


class FirstFit:
    """First-fit placement of live ranges in one memory, remembering who last used each byte."""

    def __init__(self, base: int, size: int):
        self.base, self.size = base, size
        self.live: list[tuple[int, int, int, list[int]]] = []   # (offset, size, end, readers)
        self.dead: list[tuple[int, int, list[int]]] = []         # (offset, size, readers)
        self.peak = 0

    def place(self, start: int, end: int, nbytes: int, readers: list[int]):
        """(address, hazards) for a tensor live over ops [start, end] in the lowest hole that
        fits, or (None, []); hazards are the readers of the bytes' earlier tenants."""
        for entry in [e for e in self.live if e[2] < start]:
            self.live.remove(entry)
            self.dead.append((entry[0], entry[1], entry[3]))
        nbytes = align(nbytes)
        offset = 0
        for off, size, _, _ in sorted(self.live):
            if offset + nbytes <= off:
                break
            offset = max(offset, off + size)
        if offset + nbytes > self.size:
            return None, []
        hazards = sorted({r for off, size, rs in self.dead if off < offset + nbytes and offset < off + size
                          for r in rs})
        if readers:  # its readers come after those hazards: older tenants it covers need no more waits
            self.dead = [d for d in self.dead if not (offset <= d[0] and d[0] + d[1] <= offset + nbytes)]
        self.live.append((offset, nbytes, end, readers))
        self.peak = max(self.peak, offset + nbytes)
        return self.base + offset, hazards


def live_range(op) -> tuple[int, int, list[int]]:
    """(first op, last op, reader ids) of `op`'s result in program order."""
    reader_ids = [ID.get(r) for r in readers(op.results[0]) if op_name(r) != "func.return"]
    start = ID.get(op)
    return start, max(reader_ids, default=start), reader_ids


def _arena(op, core_of) -> object:
    core = core_of(op)
    if core is None:
        return SHARED
    same = all(core_of(r) == core for r in readers(op.results[0]) if op_name(r) != "func.return")
    return core if same else SHARED


def _first_fit(tenants, base, size):
    memory = FirstFit(base, size)
    return memory, {op: memory.place(*_range_and_size(op)) for op in tenants}


def _range_and_size(op):
    start, end, reader_ids = live_range(op)
    return start, end, value_bytes(op.results[0]), reader_ids


def place_activations(tenants, base: int, size: int, core_of=None, arenas: bool = False):
    """({op: (address or None if it does not fit, hazards)}, bytes used from `base`) for the
    tensors `tenants` (engine ops in program order) in L2 bytes [base, base + size)."""
    if arenas and core_of is not None:
        keys = {op: _arena(op, core_of) for op in tenants}
        order = list(dict.fromkeys(keys.values()))
        peaks = {k: _first_fit([op for op in tenants if keys[op] == k], 0, size)[0].peak for k in order}
        if sum(peaks.values()) <= size:
            placed, top = {}, base
            for k in order:
                placed.update(_first_fit([op for op in tenants if keys[op] == k], top, peaks[k])[1])
                top += peaks[k]
            return placed, top - base
    memory, placed = _first_fit(tenants, base, size)
    return placed, memory.peak
