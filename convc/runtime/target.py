"""Target description (targets/*.toml) as frozen dataclasses.

The compiler and the runtime read the same file, so every key the runtime relies on is checked
here once, with an error naming the key, instead of failing later with a KeyError deep inside
the executor. Keys the runtime does not use stay available in `Target.raw`.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADDRESS_SPACE = 1 << 32  # the stream's addresses are u32


class TargetError(Exception):
    """The target file is missing, unparsable, or lacks/mistypes a key."""


@dataclass(frozen=True)
class ImcSpec:
    rows: int
    cols: int
    cycles_per_mvm: int
    program_cycles_per_row: int
    energy_pj_per_mac: float
    energy_pj_per_program_byte: float


@dataclass(frozen=True)
class DpuSpec:
    lanes: int
    ops: tuple[str, ...]
    energy_pj_per_op: float


@dataclass(frozen=True)
class MemoryLevel:
    """One `[memory.*]` table. For l1, `stride` separates the per-core instances."""
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
class Target:
    name: str
    clock_mhz: float
    cores: int
    imc: ImcSpec
    dpu: DpuSpec
    l1: MemoryLevel
    l2: MemoryLevel
    dram: MemoryLevel
    regions: tuple[Region, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    def l1_base(self, core: int) -> int:
        if not 0 <= core < self.cores:
            raise ValueError(f"core {core} outside target {self.name!r} ({self.cores} cores)")
        return self.l1.base + core * self.l1.stride

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
# Parsing with precise error messages.

def _get(table: dict, key: str, path: str, kinds: tuple[type, ...], default: Any = None) -> Any:
    full = f"{path}.{key}" if path else key
    if key not in table:
        if default is not None:
            return default
        raise TargetError(f"missing key '{full}'")
    value = table[key]
    # bool is a subclass of int, but `rows = true` is certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, kinds):
        want = " or ".join(k.__name__ for k in kinds)
        raise TargetError(f"key '{full}' must be {want}, got {type(value).__name__} {value!r}")
    return value


def _table(raw: dict, path: str) -> dict:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise TargetError(f"missing table [{path}]")
        node = node[part]
    if not isinstance(node, dict):
        raise TargetError(f"'{path}' must be a table")
    return node


def _positive(value, full: str, allow_zero: bool = False):
    if value < 0 or (value == 0 and not allow_zero):
        raise TargetError(f"key '{full}' must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return value


def _number(table, key, path, allow_zero=False) -> float:
    return _positive(_get(table, key, path, (int, float)), f"{path}.{key}", allow_zero)


def _count(table, key, path, allow_zero=False, default=None) -> int:
    return _positive(_get(table, key, path, (int,), default), f"{path}.{key}", allow_zero)


def _memory(raw: dict, name: str) -> MemoryLevel:
    path = f"memory.{name}"
    t = _table(raw, path)
    base = _count(t, "base", path, allow_zero=True)
    size = _count(t, "size", path)
    stride = _count(t, "stride", path) if name == "l1" else 0
    latency = _get(t, "latency_cycles", path, (int,), default=0)
    return MemoryLevel(
        name=name, base=base, size=size, stride=stride,
        bandwidth_bytes_per_cycle=_number(t, "bandwidth_bytes_per_cycle", path),
        latency_cycles=_positive(latency, f"{path}.latency_cycles", allow_zero=True),
        energy_pj_per_byte=_number(t, "energy_pj_per_byte", path, allow_zero=True),
    )


def parse_target(raw: dict) -> Target:
    name = _get(raw, "name", "", (str,))
    clock = _number(raw, "clock_mhz", "")
    cores = _count(_table(raw, "core"), "count", "core")

    t = _table(raw, "imc")
    imc = ImcSpec(
        rows=_count(t, "rows", "imc"), cols=_count(t, "cols", "imc"),
        cycles_per_mvm=_count(t, "cycles_per_mvm", "imc", allow_zero=True),
        program_cycles_per_row=_count(t, "program_cycles_per_row", "imc", allow_zero=True),
        energy_pj_per_mac=_number(t, "energy_pj_per_mac", "imc", allow_zero=True),
        energy_pj_per_program_byte=_number(t, "energy_pj_per_program_byte", "imc", allow_zero=True),
    )
    t = _table(raw, "dpu")
    ops = _get(t, "ops", "dpu", (list,))
    if not all(isinstance(op, str) for op in ops):
        raise TargetError("key 'dpu.ops' must be a list of strings")
    dpu = DpuSpec(lanes=_count(t, "lanes", "dpu"), ops=tuple(ops),
                  energy_pj_per_op=_number(t, "energy_pj_per_op", "dpu", allow_zero=True))

    l1, l2, dram = (_memory(raw, n) for n in ("l1", "l2", "dram"))
    if cores > 1 and l1.stride < l1.size:
        raise TargetError(f"key 'memory.l1.stride' ({l1.stride}) is smaller than "
                          f"'memory.l1.size' ({l1.size}): per-core L1s would overlap")
    regions = [Region(f"l1:{i}", l1, l1.base + i * l1.stride, l1.size) for i in range(cores)]
    regions += [Region("l2", l2, l2.base, l2.size), Region("dram", dram, dram.base, dram.size)]
    for r in regions:
        if r.end > ADDRESS_SPACE:
            raise TargetError(f"memory region {r.name} [0x{r.base:x}, 0x{r.end:x}) "
                              f"exceeds the 32-bit address space")
    ordered = sorted(regions, key=lambda r: r.base)
    for a, b in zip(ordered, ordered[1:]):
        if b.base < a.end:
            raise TargetError(f"memory regions {a.name} and {b.name} overlap")
    return Target(name=name, clock_mhz=clock, cores=cores, imc=imc, dpu=dpu,
                  l1=l1, l2=l2, dram=dram, regions=tuple(regions), raw=raw)


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
