"""What every engine kind implements (after MATCH's exec_module): one small base class.

Passes stay generic: they ask the engine of an op for its cost, its L1 working set, its
constant data and its commands. Everything specific to the IMC array or the DPU lives in
that engine's own class.
"""

import math
from convc.ir.schema import SOURCE
from dataclasses import dataclass

ALIGN = 64  # bytes; every buffer starts on a cache-line-sized boundary


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def dma_cycles(target, nbytes: int, *levels: str) -> int:
    """Cycles to move `nbytes` between memory levels: the slowest level's latency + transfer."""
    if nbytes <= 0:
        return 0
    mems = [getattr(target, lvl) for lvl in levels]
    bandwidth = min(m.bandwidth_bytes_per_cycle for m in mems)
    return max(m.latency_cycles for m in mems) + math.ceil(nbytes / bandwidth)


def constants_level(op) -> str:
    """Where the op's constants live: "l2" if a `resident` rule preloaded them on chip."""
    return "l2" if SOURCE.has(op, "resident") else "dram"


@dataclass(frozen=True)
class Cost:
    """Estimated cycles of one op on one core."""

    prefetch: int  # weight loading that may start before the op's inputs are ready
    compute: int
    dma: int       # moving inputs in and outputs out

    @property
    def total(self) -> int:
        return self.prefetch + self.compute + self.dma


class Engine:
    """An engine kind of the SoC. Subclasses list the dialect ops they execute."""

    kind = "?"
    ops: tuple[str, ...] = ()

    def constants(self, op) -> dict[str, bytes]:
        """Named constant blobs the op reads from DRAM (weights, requant parameters...)."""
        return {}

    def l1_buffers(self, op, target) -> list[tuple[str, int]]:
        """The op's L1 working set as (name, bytes), in layout order."""
        return []

    def cost(self, op, target) -> Cost:
        return Cost(0, 0, 0)

    def emit_prefetch(self, op, em) -> None:
        """Commands that only touch the op's own constants; issued before its waits."""

    def emit(self, op, em) -> None:
        """The op's commands after its inputs are ready."""

    def describe(self, op) -> dict:
        """Facts for the mapping report (tiles, shapes)."""
        return {}
