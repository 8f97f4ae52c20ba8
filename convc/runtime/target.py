"""Target description (targets/*.toml, docs/targets.md) as frozen dataclasses.

A target is groups of identical cores (`[[cores]]`), each core with the engines its group
declares (`[cores.engines.<kind>]`, read by that kind's unit) and its own L1, plus the shared
memories. The compiler and the runtime read the same file, so every key is checked here once,
with an error naming the key path; unknown keys are errors.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from . import units
from .errors import TargetError
from .schema import Table

__all__ = ["CoreGroup", "MemoryLevel", "Region", "Target", "TargetError", "load_target",
           "parse_target"]

ADDRESS_SPACE = 1 << 32  # the stream's addresses are u32
LEVELS = ("l1", "l2", "dram")
OLD_LAYOUT_TABLES = ("core", "imc", "dpu")  # format before per-group engines


@dataclass(frozen=True)
class MemoryLevel:
    """One `[memory.*]` table. For l1, `stride` separates the per-core instances and `size` is
    the default size of each (a core group may override it with `l1_size`)."""
    name: str  # "l1", "l2" or "dram"
    base: int
    size: int
    stride: int
    bandwidth_bytes_per_cycle: float
    latency_cycles: int
    energy_pj_per_byte: float


@dataclass(frozen=True)
class Region:
    """One contiguous window of the address space: "l1:0".."l1:N-1", "l2" or "dram"."""
    name: str
    level: MemoryLevel
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True)
class CoreGroup:
    """One `[[cores]]` table: `count` identical cores, numbered from `first`."""
    index: int
    name: str  # the `name` label, or "cores[<index>]"
    count: int
    first: int
    l1_size: int
    engines: Mapping[str, Any]  # engine kind -> the spec its unit parsed

    @property
    def core_ids(self) -> range:
        return range(self.first, self.first + self.count)


@dataclass(frozen=True)
class Target:
    name: str
    clock_mhz: float
    cores: int  # in all groups
    groups: tuple[CoreGroup, ...]
    l1: MemoryLevel
    l2: MemoryLevel
    dram: MemoryLevel
    regions: tuple[Region, ...]
    paths: Mapping[tuple[str, str], float]  # sorted level pair -> declared DMA bandwidth
    raw: dict[str, Any] = field(compare=False, repr=False)

    def core_group(self, core: int) -> CoreGroup:
        if not 0 <= core < self.cores:
            raise ValueError(f"core {core} outside target {self.name!r} ({self.cores} cores)")
        return next(g for g in self.groups if core in g.core_ids)

    def engines(self, core: int) -> Mapping[str, Any]:
        """The engines of `core`: kind -> spec (the implicit core unit is not listed)."""
        return self.core_group(core).engines

    def has_engine(self, core: int, kind: str) -> bool:
        return kind in self.engines(core)

    def l1_base(self, core: int) -> int:
        self.core_group(core)  # range check
        return self.l1.base + core * self.l1.stride

    def l1_size(self, core: int) -> int:
        return self.core_group(core).l1_size

    def level(self, name: str) -> MemoryLevel:
        if name not in LEVELS:
            raise ValueError(f"unknown memory level {name!r} (known: {', '.join(LEVELS)})")
        return getattr(self, name)

    def dma_bandwidth(self, level_a: str | MemoryLevel, level_b: str | MemoryLevel) -> float:
        """Bytes per cycle a DMA moves between two levels (names or MemoryLevels, either
        order): the declared `memory.paths` entry, else the slower level's bandwidth."""
        a, b = (self.level(getattr(x, "name", x)) for x in (level_a, level_b))
        declared = self.paths.get(tuple(sorted((a.name, b.name))))
        return declared or min(a.bandwidth_bytes_per_cycle, b.bandwidth_bytes_per_cycle)

    def region(self, addr: int, nbytes: int) -> Region | None:
        """The region holding all of [addr, addr+nbytes), or None. An empty range at addr
        belongs to the region containing addr."""
        end = addr + max(nbytes, 1)
        for region in self.regions:
            if region.base <= addr and end <= region.end:
                return region
        return None

    def region_of(self, addr: int, nbytes: int) -> str | None:
        region = self.region(addr, nbytes)
        return region.name if region else None



# ---------------------------------------------------------------------------------------------
# Parsing.

def _memory(memory: Table, name: str) -> MemoryLevel:
    t = memory.table(name)
    level = MemoryLevel(
        name=name, base=t.integer("base", minimum=0), size=t.integer("size"),
        stride=t.integer("stride") if name == "l1" else 0,
        bandwidth_bytes_per_cycle=t.number("bandwidth_bytes_per_cycle"),
        latency_cycles=t.integer("latency_cycles", 0, minimum=0),
        energy_pj_per_byte=t.number("energy_pj_per_byte", allow_zero=True))
    t.finish()
    return level


def _paths(memory: Table) -> dict[tuple[str, str], float]:
    t = memory.table("paths", None)
    if t is None:
        return {}
    paths: dict[tuple[str, str], float] = {}
    for key in t.raw:
        ends = key.split("-")
        if len(ends) != 2 or not all(e in LEVELS for e in ends):
            t.fail(key, f"expected a path 'a-b' between two of {', '.join(LEVELS)}")
        pair = tuple(sorted(ends))
        if pair in paths:
            t.fail(key, f"declares the path {pair[0]}-{pair[1]} a second time")
        paths[pair] = t.number(key)
    return paths


def _engines(group: Table) -> dict[str, Any]:
    t = group.table("engines", None)
    if t is None:
        return {}  # a core that only moves data and synchronises
    specs = {}
    for kind in t.raw:
        unit = units.unit(kind)
        if unit is not None and unit.implicit:
            t.fail(kind, f"every core has the {kind} unit ("
                         f"{', '.join(op.name for op in unit.opcodes)}); do not declare it")
        if unit is None:
            t.fail(kind, f"unknown engine kind {kind!r} (known: "
                         f"{', '.join(units.engine_kinds())})")
        t.read.add(kind)
        specs[kind] = unit.parse_spec(t.raw[kind], t.key_path(kind))
    return specs


def _groups(top: Table, l1: MemoryLevel) -> list[CoreGroup]:
    groups, first = [], 0
    for i, t in enumerate(top.array_of_tables("cores")):
        name = t.string("name", f"cores[{i}]")
        if any(g.name == name for g in groups):
            t.fail("name", f"{name!r} also names an earlier core group")
        groups.append(CoreGroup(index=i, name=name, count=t.integer("count", 1), first=first,
                                l1_size=t.integer("l1_size", l1.size),
                                engines=MappingProxyType(_engines(t))))
        t.finish()
        first += groups[-1].count
    if not groups:
        top.fail("cores", "a target needs at least one core group ([[cores]] table)")
    return groups


def _regions(groups: list[CoreGroup], l1: MemoryLevel, l2: MemoryLevel,
             dram: MemoryLevel) -> list[Region]:
    cores = sum(g.count for g in groups)
    widest = max(groups, key=lambda g: g.l1_size)
    if cores > 1 and l1.stride < widest.l1_size:
        raise TargetError(f"memory.l1.stride: {l1.stride} is smaller than the L1 size "
                          f"{widest.l1_size} of {widest.name}: per-core L1s would overlap")
    regions = [Region(f"l1:{core}", l1, l1.base + core * l1.stride, g.l1_size)
               for g in groups for core in g.core_ids]
    regions += [Region("l2", l2, l2.base, l2.size), Region("dram", dram, dram.base, dram.size)]
    for r in regions:
        if r.end > ADDRESS_SPACE:
            raise TargetError(f"memory region {r.name} [0x{r.base:x}, 0x{r.end:x}) "
                              f"exceeds the 32-bit address space")
    ordered = sorted(regions, key=lambda r: r.base)
    for a, b in zip(ordered, ordered[1:]):
        if b.base < a.end:
            raise TargetError(f"memory regions {a.name} and {b.name} overlap")
    return regions


def parse_target(raw: dict) -> Target:
    old = [k for k in OLD_LAYOUT_TABLES if isinstance(raw.get(k), dict)]
    if old:
        tables = "/".join(f"[{k}]" for k in old)
        raise TargetError(f"the target file layout changed: top-level {tables} tables are now "
                          f"[[cores]] groups with [cores.engines.<kind>] tables "
                          f"(see docs/targets.md)")
    top = Table(raw, "")
    name = top.string("name")
    clock = top.number("clock_mhz")
    memory = top.table("memory")
    l1, l2, dram = (_memory(memory, level) for level in LEVELS)
    paths = _paths(memory)
    memory.finish()
    groups = _groups(top, l1)
    top.finish()
    return Target(name=name, clock_mhz=clock, cores=sum(g.count for g in groups),
                  groups=tuple(groups), l1=l1, l2=l2, dram=dram,
                  regions=tuple(_regions(groups, l1, l2, dram)),
                  paths=MappingProxyType(paths), raw=raw)


def load_target(path: str | Path) -> Target:
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except OSError as e:
        raise TargetError(f"{path}: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TargetError(f"{path}: invalid TOML: {e}") from None
    try:
        return parse_target(raw)
    except TargetError as e:
        raise TargetError(f"{path}: {e}") from None
