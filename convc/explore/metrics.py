"""What a design point is ranked by: the figures of a compiled, once-run program.

latency_us, energy_uj, fps: measured by the runtime on the first calibration sample (cycles
at the target's clock, energy per inference; fps = 1e6 / latency_us, one inference at a
time). memory_kib: the largest L1 working set of any layer times the cores, plus the L2
high-water mark of the memory plan. area_mm2: a documented proxy (docs/explore.md): each
engine's `area_um2` (runtime units) per core, plus 0.05 um^2 per on-chip memory bit (L1s, L2).
"""
from __future__ import annotations

OBJECTIVES = {"latency_us": "min", "energy_uj": "min", "fps": "max", "memory_kib": "min", "area_mm2": "min"}
SRAM_BIT_UM2 = 0.05  # a 6T bit-cell with its periphery


def area_mm2(target) -> float:
    from convc.runtime import units
    um2 = 0.0
    for core in range(target.cores):
        for kind, spec in target.engines(core).items():
            unit = units.unit(kind)
            um2 += unit.area_um2(spec) if unit is not None else 0.0
        um2 += target.l1_size(core) * 8 * SRAM_BIT_UM2
    um2 += target.l2.size * 8 * SRAM_BIT_UM2
    return um2 * 1e-6


def memory_kib(report: dict, target) -> float:
    l1 = max((row.get("l1_bytes", 0) for row in report["layers"]), default=0)
    l2_top = 0
    for row in report["layers"]:
        addr = row.get("addresses", {}).get("out_addr")
        if row.get("out_level") == "l2" and addr:
            l2_top = max(l2_top, int(addr, 16) + row.get("out_bytes", 0) - target.l2.base)
    return (l1 * target.cores + l2_top) / 1024


def is_better(a: float, b: float, objective: str) -> bool:
    return a < b if OBJECTIVES[objective] == "min" else a > b
