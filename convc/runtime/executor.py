"""Runs the per-core queues of a validated stream against a Memory and counts the cost.

Scheduling is deterministic: take the lowest-numbered core that is not blocked, run it until it
waits for an event nobody has signalled yet (or its queue ends), repeat. Data results cannot
depend on the order because cores only share memory through SIGNAL/WAIT-ordered accesses; the
fixed order makes even a racy stream reproducible. Commands run on their units (units/), each
with a per-core execution state; this module only schedules and counts. When each command
runs on its core's clock is timing.py's business (in-order issue, DMA overlapping compute
where their bytes allow); the data are computed in queue order, which gives the same result.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from . import units
from .memory import BatchMemory, Memory
from .stream import Stream, StreamError
from .target import Target
from .timing import CoreTimeline
from .validate import LEVELS, Plan, deadlock_message, validate


@dataclass
class Counters:
    cycles: list[int]  # per core, index = core id
    total_cycles: int  # the slowest core
    macs: int
    bytes: dict[str, int] = field(default_factory=dict)  # per memory level: l1, l2, dram
    commands: int = 0
    energy_uj: float = 0.0
    # commands whose cost depends on their data (units/base.py Unit.measured): one entry each,
    # {"core", "command", "op"} and the unit's activity counts (a spiking layer's spikes)
    activity: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Span:
    """One command of the first sample on the timeline (trace.py): cycles [start, end) of its
    core's clock; a WAIT's span includes the stall."""
    core: int
    command: int  # index in the core's queue
    op: str
    track: str  # units/base.py Unit.track
    start: int
    end: int
    nbytes: int  # bytes it moved (DMA) or touched
    energy_pj: float = 0.0


@dataclass(frozen=True)
class RunOptions:
    """What a run may vary without changing the stream: units read it when their per-core
    state is created (units/base.py new_state)."""
    analog_noise: object = None  # units.aimc.AnalogNoise, or None for the exact analog arrays


def execute(stream: Stream, target: Target, memory: Memory, plan: Plan | None = None,
            name: str = "stream.bin", options: RunOptions | None = None) -> Counters:
    """Execute all queues on one sample's memory. `plan` is the result of
    validate(stream, target); it is computed here when not given (callers running many
    samples should validate once)."""
    return execute_batch(stream, target, memory.as_batch(), plan, name, [options])[0]


def execute_batch(stream: Stream, target: Target, memory: BatchMemory, plan: Plan | None = None,
                  name: str = "stream.bin", options: list | None = None,
                  cache: dict | None = None, spans: list | None = None) -> list[Counters]:
    """Execute all queues for the B samples of `memory` in lock step; `options` holds each
    sample's RunOptions (or None). The command order depends only on the stream (which core
    waits for which event), never on data or times, so it is the same for every sample, and
    each sample's counters are what running it alone gives: its own clocks follow its own
    measured costs. `cache`: kept by the caller across runs of this stream (units/base.py
    new_batch_state). `spans`, if given, receives the first sample's Span of every command."""
    plan = plan or validate(stream, target, name)
    batch = memory.batch
    options = options if options is not None else [None] * batch
    states: dict[tuple[int, str], object] = {}  # (core, unit kind) -> execution state of the batch
    lines = {core: CoreTimeline(batch) for core in plan.steps}  # each core's timing, per sample
    pc = dict.fromkeys(plan.steps, 0)
    events: dict[int, np.ndarray] = {}  # event -> time of the signalling core, per sample
    macs, energy = np.zeros(batch, np.int64), np.zeros(batch, np.float64)
    commands = 0
    activity: list[list[dict]] = [[] for _ in range(batch)]
    moved = [0] * len(LEVELS)

    def awaited(core: int) -> int | None:
        cmd = plan.steps[core][pc[core]].cmd
        return units.unit_of(cmd.op).waits_for(cmd)

    def blocked(core: int) -> bool:
        event = awaited(core)
        return event is not None and event not in events

    while True:
        unfinished = [c for c in sorted(plan.steps) if pc[c] < len(plan.steps[c])]
        if not unfinished:
            break
        runnable = [c for c in unfinished if not blocked(c)]
        if not runnable:
            raise StreamError(f"{plan.name}: " + deadlock_message(
                {c: awaited(c) for c in unfinished}))
        core = runnable[0]
        steps = plan.steps[core]
        while pc[core] < len(steps) and not blocked(core):
            step = steps[pc[core]]
            cmd = step.cmd
            unit = units.unit_of(cmd.op)
            key = (core, unit.kind)
            if key not in states:
                states[key] = unit.new_batch_state(target.engines(core).get(unit.kind), options,
                                                   cache.setdefault(key, {}) if cache is not None else {})
            try:
                unit.execute_batch(cmd, memory, states[key])
            except StreamError as e:
                raise StreamError(f"{plan.name}: command {step.index} of core {core} "
                                  f"({cmd.label}): {e}") from None
            cycles, step_macs, step_energy = step.cycles, step.macs, step.energy_pj  # every sample's
            measured = unit.measured_batch(cmd, states[key])
            if measured is not None:  # this command's cost depends on each sample's data
                cycles = np.full(batch, step.cycles, np.int64)
                step_macs = np.full(batch, step.macs, np.int64)
                step_energy = np.full(batch, step.energy_pj, np.float64)
            for i, got in enumerate(measured or ()):
                if got is None:
                    continue
                cycles[i], step_macs[i] = got.cycles, got.macs
                step_energy[i] = step.energy_pj - step.own_energy_pj + got.energy_pj
                activity[i].append({"core": core, "command": step.index, "op": cmd.op.name, "cycles": got.cycles,
                                    "energy_uj": got.energy_pj * 1e-6, **got.activity})
            waited, signalled = unit.waits_for(cmd), unit.signals(cmd)
            began, ended = lines[core].time(unit.resource(cmd), step.accesses, cycles,
                                            events[waited] if waited is not None else 0)
            if signalled is not None:
                events[signalled] = ended
            if spans is not None:
                spans.append(Span(core, step.index, cmd.op.name, unit.track(cmd), int(began[0]), int(ended[0]),
                                  sum(step.bytes), float(np.asarray(step_energy).reshape(-1)[0])))
            macs += step_macs
            energy += step_energy
            moved = [a + b for a, b in zip(moved, step.bytes)]
            commands += 1
            pc[core] += 1
    clock = np.zeros((target.cores, batch), np.int64)  # when each core's last command finishes
    for core, line in lines.items():
        clock[core] = line.end
    return [Counters(cycles=[int(c) for c in clock[:, i]], total_cycles=int(clock[:, i].max()) if target.cores else 0,
                     macs=int(macs[i]), bytes=dict(zip(LEVELS, moved)), commands=commands,
                     energy_uj=float(energy[i]) * 1e-6, activity=activity[i])
            for i in range(batch)]
