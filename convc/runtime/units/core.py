"""What every core has without declaring it: the DMA and the SIGNAL/WAIT event unit."""
from __future__ import annotations

import math

from ..geometry import strided
from .base import Opcode, StatelessUnit

DMA = Opcode.from_layout(0x01, "DMA", "src dst rows row_bytes src_stride dst_stride", "core")
SIGNAL = Opcode.from_layout(0x02, "SIGNAL", "event", "core")
WAIT = Opcode.from_layout(0x03, "WAIT", "event", "core")


def dma_cycles(target, nbytes: int, level_a: str, level_b: str) -> int:
    """A transfer of `nbytes` between two memory levels: the larger latency, then the bytes at
    the path's bandwidth (a declared `memory.paths` entry, else the slower level's)."""
    if nbytes == 0:
        return 0
    latency = max(target.level(level_a).latency_cycles, target.level(level_b).latency_cycles)
    return latency + math.ceil(nbytes / target.dma_bandwidth(level_a, level_b))


class CoreUnit(StatelessUnit):
    kind = "core"
    opcodes = (DMA, SIGNAL, WAIT)
    compute = False  # the DMA is what moves data between levels and cores
    implicit = True

    def accesses(self, cmd, state):
        if cmd.op is not DMA:
            return []
        f = cmd.fields
        return [strided("src", False, f["src"], f["rows"], f["row_bytes"], f["src_stride"]),
                strided("dst", True, f["dst"], f["rows"], f["row_bytes"], f["dst_stride"])]

    def price(self, cmd, spec, state, target):
        if cmd.op is not DMA:
            return 1, 0, 0.0  # SIGNAL, WAIT (a WAIT's stall is added at run time)
        src, dst = self.accesses(cmd, state)
        if not src.nbytes:
            return 0, 0, 0.0
        levels = [target.region(a.addr, 1).level.name for a in (src, dst)]
        return dma_cycles(target, src.nbytes, *levels), 0, 0.0

    def execute(self, cmd, memory, state):
        if cmd.op is DMA:
            f = cmd.fields
            memory.copy2d(f["src"], f["dst"], f["rows"], f["row_bytes"], f["src_stride"],
                          f["dst_stride"])
        # SIGNAL and WAIT touch no memory; the scheduler acts on signals()/waits_for().

    def track(self, cmd):
        return {DMA: "dma", WAIT: "wait"}.get(cmd.op, "sync")

    def resource(self, cmd):  # "wait" and "signal" are timed by their own rules (timing.py)
        return {DMA: "dma", WAIT: "wait"}.get(cmd.op, "signal")

    def signals(self, cmd):
        return cmd.fields["event"] if cmd.op is SIGNAL else None

    def waits_for(self, cmd):
        return cmd.fields["event"] if cmd.op is WAIT else None
