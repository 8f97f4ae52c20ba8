"""Checks a decoded stream against a target before anything executes, and prices each command.

Everything here depends only on the stream and the target, never on data, so the result (a
`Plan`) is computed once per program and reused for every sample. The only checks left for
execution time are the ones that depend on memory contents (REQUANT's per-channel shifts).
What a command means belongs to its unit (units/); this module applies the rules common to
all of them: the unit must be on the issuing core, every byte range must lie in the memory map,
compute commands see only their own core's L1, and bytes moved cost their level's energy.
`price_queue` gives the compiler the very same prices without the memory-map checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from . import units
from .geometry import Access
from .stream import Command, Stream, StreamError
from .target import LEVELS, Target


@dataclass
class Step:
    """One command with its static cost. WAIT's stall is added at run time."""
    core: int
    index: int
    cmd: Command
    cycles: int
    macs: int
    bytes: tuple[int, int, int]  # l1, l2, dram
    energy_pj: float
    own_energy_pj: float = 0.0  # the unit's share of energy_pj (the rest: bytes moved)
    resource: str = ""  # units/base.py Unit.resource: what the command occupies (timing.py)
    accesses: tuple = ()  # the byte ranges it touches (the scoreboard's hazards)


@dataclass
class Plan:
    target: Target
    name: str
    steps: dict[int, list[Step]]


class CoreQueue:
    """Walks one core's commands in order, keeping each unit's static state for that core
    (an IMC array's matrix shape and mode...). Per command: `unit_problem` (is its engine on
    the core, are its fields sane), `accesses`, then `step` (its price; advances the state)."""

    def __init__(self, target: Target, core: int):
        self.target, self.core = target, core
        self.group = target.core_group(core)
        self.states: dict[str, object] = {}

    def unit_problem(self, cmd: Command) -> str | None:
        """Why `cmd` cannot run on this core, judged on its fields and the unit state: the
        tail of "command i of core c (OP)<tail>", or None."""
        unit = units.unit_of(cmd.op)
        if not unit.implicit and unit.kind not in self.group.engines:
            return (f": core {self.core} (group {self.group.name!r}) has no {unit.kind} "
                    f"engine")
        spec = self.group.engines.get(unit.kind)
        problem = unit.check(cmd, spec, self._state(unit, spec), self.target)
        return f" {problem}" if problem else None

    def accesses(self, cmd: Command) -> list[Access]:
        unit = units.unit_of(cmd.op)
        return unit.accesses(cmd, self._state(unit, self.group.engines.get(unit.kind)))

    def step(self, index: int, cmd: Command, accesses: list[Access]) -> Step:
        """The priced Step of a command already checked; then its unit's state moves on."""
        unit = units.unit_of(cmd.op)
        spec = self.group.engines.get(unit.kind)
        state = self._state(unit, spec)
        level_bytes = dict.fromkeys(LEVELS, 0)
        for a in accesses:
            if a.nbytes:
                region = self.target.region(a.addr, 1)
                if region is None:
                    raise StreamError(f"command {index} of core {self.core} ({cmd.label}) "
                                      f"touches 0x{a.addr:08x} ({a.field}), outside the memory "
                                      f"map: its bytes cannot be priced")
                level_bytes[region.level.name] += a.nbytes
        cycles, macs, own = unit.price(cmd, spec, state, self.target)
        energy = float(own) + sum(n * self.target.level(name).energy_pj_per_byte
                                  for name, n in level_bytes.items())
        unit.advance(cmd, state)
        return Step(self.core, index, cmd, cycles, macs,
                    tuple(level_bytes[n] for n in LEVELS), energy, float(own),
                    unit.resource(cmd), tuple(accesses))

    def _state(self, unit, spec):
        if unit.kind not in self.states:
            self.states[unit.kind] = unit.new_static(spec, self.core)
        return self.states[unit.kind]


def price_queue(commands: Iterable[Command], target: Target, core: int) -> list[Step]:
    """The Steps validation would give `commands` as core `core`'s queue, tracking the units'
    static state, but without the memory-map checks: addresses only need to fall in the right
    memory level (placeholders such as `target.l1_base(core)` or `target.l2.base` will do).
    Raises StreamError for a command the core's units reject."""
    queue = CoreQueue(target, core)
    steps = []
    for i, cmd in enumerate(commands):
        problem = queue.unit_problem(cmd)
        if problem:
            raise StreamError(f"command {i} of core {core} ({cmd.label}){problem}")
        steps.append(queue.step(i, cmd, queue.accesses(cmd)))
    return steps


def _check_access(a: Access, target: Target, core: int, compute: bool) -> str | None:
    if a.span == 0:
        return None  # nothing is touched
    verb = "writes" if a.write else "reads"
    where = f"{verb} 0x{a.addr:08x}..0x{a.addr + a.span:08x} ({a.field})"
    region = target.region(a.addr, a.span)
    if region is None:
        return f"{where} outside the memory map"
    if compute and region.name != f"l1:{core}":
        return f"{where} in {region.name}, but compute commands may only touch l1:{core}"
    if a.nbytes > region.size:
        return f"{where}: {a.nbytes} bytes through overlapping rows exceed {region.name}'s size"
    return None


def _events(cmds: list[Command]):
    """(index, signalled event or None, awaited event or None) of each command."""
    for i, cmd in enumerate(cmds):
        unit = units.unit_of(cmd.op)
        yield i, unit.signals(cmd), unit.waits_for(cmd)


def _check_sync(stream: Stream) -> str | None:
    signals: dict[int, tuple[int, int]] = {}
    for core, cmds in stream.queues.items():
        for i, ev, _ in _events(cmds):
            if ev is None:
                continue
            if ev in signals:
                return (f"event {ev} is signalled twice (command {signals[ev][1]} of core "
                        f"{signals[ev][0]} and command {i} of core {core})")
            signals[ev] = (core, i)
    for core, cmds in stream.queues.items():
        for i, _, ev in _events(cmds):
            if ev is not None and ev not in signals:
                return (f"command {i} of core {core} ({cmds[i].label}) waits for event {ev}, "
                        f"which no command signals")
    # Only the events matter for progress, so a dry run of the scheduler finds deadlocks.
    events = {core: list(_events(cmds)) for core, cmds in stream.queues.items()}
    pc = dict.fromkeys(stream.queues, 0)
    done: set[int] = set()
    progress = True
    while progress:
        progress = False
        for core, evs in events.items():
            while pc[core] < len(evs):
                _, signalled, awaited = evs[pc[core]]
                if awaited is not None and awaited not in done:
                    break
                if signalled is not None:
                    done.add(signalled)
                pc[core] += 1
                progress = True
    return deadlock_message({c: evs[pc[c]][2] for c, evs in events.items() if pc[c] < len(evs)})


def deadlock_message(blocked: dict[int, int]) -> str | None:
    if not blocked:
        return None
    waits = " and ".join(f"core {c} waits for event {e}" for c, e in sorted(blocked.items()))
    return f"deadlock: {waits}, which no running core signals"


def validate(stream: Stream, target: Target, name: str = "stream.bin") -> Plan:
    """Raise StreamError unless `stream` can run on `target`; return its priced Plan."""
    def fail(msg: str):
        raise StreamError(f"{name}: {msg}")

    meta = stream.meta
    if meta.get("target") != target.name:
        fail(f"was compiled for target {meta.get('target')!r}, not {target.name!r}")
    if not 1 <= meta.get("cores", 0) <= target.cores:
        fail(f"META cores = {meta.get('cores')} but target {target.name} has "
             f"{target.cores} cores")
    if "batch" in meta:  # frames per run on axis 0 of every I/O tensor (host.frames_per_run)
        frames = meta["batch"]
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
            fail(f"META batch = {frames!r}: expected a positive integer (frames per run)")
        odd = next((t for t in stream.io if not t.shape or t.shape[0] != frames), None)
        if odd is not None:
            fail(f"META batch = {frames} but {odd.direction} {odd.name!r} has shape {list(odd.shape)}: every "
                 f"input and output must hold that many frames on axis 0")
    spans = []
    for i, seg in enumerate(stream.data):
        if seg.data and target.region(seg.addr, len(seg.data)) is None:
            fail(f"data segment {i} 0x{seg.addr:08x}..0x{seg.addr + len(seg.data):08x} is "
                 f"outside the memory map")
        spans.append((seg.addr, seg.addr + len(seg.data), i))
    spans.sort()
    for (a0, a1, i), (b0, b1, j) in zip(spans, spans[1:]):
        if b0 < a1 and b1 > b0:
            fail(f"data segments {i} and {j} overlap at 0x{b0:08x}")
    for t in stream.io:
        if t.nbytes and target.region(t.addr, t.nbytes) is None:
            fail(f"{t.direction} {t.name!r} 0x{t.addr:08x}..0x{t.addr + t.nbytes:08x} is "
                 f"outside the memory map")

    steps: dict[int, list[Step]] = {}
    for core, cmds in stream.queues.items():
        if core >= target.cores:
            fail(f"has a queue for core {core}, but target {target.name} has {target.cores} cores")
        queue = CoreQueue(target, core)
        steps[core] = []
        for i, cmd in enumerate(cmds):
            problem = queue.unit_problem(cmd)
            accs = [] if problem else queue.accesses(cmd)
            compute = units.unit_of(cmd.op).compute
            for a in accs:
                outside = _check_access(a, target, core, compute)
                if outside and not problem:
                    problem = f" {outside}"
            if problem:
                fail(f"command {i} of core {core} ({cmd.label}){problem}")
            steps[core].append(queue.step(i, cmd, accs))
    problem = _check_sync(stream)
    if problem:
        fail(problem)
    return Plan(target, name, steps)
