"""When each command of one core's queue runs: in-order issue, one resource per unit, and a
byte-range scoreboard.

A core issues its commands in queue order, but a command need not wait for the previous one
to finish: it starts once its resource (the DMA engine, the IMC array, the DPU...) is free and
every earlier command of the core that touched an overlapping byte range in a conflicting way
(read after write, write after read, write after write) has finished. So the DMA bringing the
next weight tile into L1 runs while the array multiplies with the tile it was programmed with,
but a DMA that overwrites an L1 buffer still being read waits for the reader. This is what a
core with a decoupled DMA engine and per-buffer completion tracking does; the compiler gets
the overlap by giving consecutive tiles different buffers (docs/architecture.md, "Timing").

Because two commands overlap in time only when no byte either of them touches is written by
the other, running the commands one by one in queue order (what the executor does to the
data) gives the same memory contents as the overlapped schedule.

SIGNAL marks its event at the time every earlier command of the core has finished (a fence,
so a consumer on another core sees all of the producer's writes) without holding back the
commands after it; WAIT holds back every later command until the event's time. Times are
numpy arrays with one entry per sample of a lock-step batch (their costs may differ when a
command's cost depends on its data); the compiler's pricing uses a batch of one.
"""
from __future__ import annotations

import numpy as np


class CoreTimeline:
    def __init__(self, batch: int = 1):
        self.issue = np.zeros(batch, np.int64)  # the latest start so far: issue is in order
        self.end = np.zeros(batch, np.int64)  # every command issued so far has finished by then
        self.free: dict[str, np.ndarray] = {}  # resource -> when its last command finishes
        # (lo, hi, write, finish) of the byte ranges touched by commands that may still run
        self.pending: list[tuple[int, int, bool, np.ndarray]] = []

    def time(self, resource: str, accesses, cycles, event_time=0) -> tuple[np.ndarray, np.ndarray]:
        """(start, finish) of the next command: a WAIT (`resource` "wait", for the event at
        `event_time`), a SIGNAL ("signal") or a command occupying `resource`."""
        if resource == "wait":
            return self.wait(event_time, cycles)
        if resource == "signal":
            return self.signal(cycles)
        return self.run(resource, accesses, cycles)

    def run(self, resource: str, accesses, cycles) -> tuple[np.ndarray, np.ndarray]:
        """Time one command on `resource` touching `accesses` for `cycles` (scalar or per
        sample); returns (start, finish)."""
        start = self.issue.copy()
        if resource in self.free:
            np.maximum(start, self.free[resource], out=start)
        ranges = [(a.addr, a.addr + a.span, a.write) for a in accesses if a.span]
        for lo, hi, write, finish in self.pending:
            if any(write or w for a0, a1, w in ranges if a0 < hi and lo < a1):
                np.maximum(start, finish, out=start)
        finish = start + cycles
        self.issue = start
        self.free[resource] = finish
        np.maximum(self.end, finish, out=self.end)
        # A range whose command finished before this start can delay no later command.
        self.pending = [p for p in self.pending if np.any(p[3] > start)]
        self.pending.extend((lo, hi, write, finish) for lo, hi, write in ranges)
        return start, finish

    def wait(self, event_time, cycles) -> tuple[np.ndarray, np.ndarray]:
        """A WAIT: no later command starts before the event's time (and the wait itself)."""
        start = np.maximum(self.issue, event_time)
        self.issue = start + cycles
        np.maximum(self.end, self.issue, out=self.end)
        return start, self.issue.copy()

    def signal(self, cycles) -> tuple[np.ndarray, np.ndarray]:
        """A SIGNAL: its event is done when everything issued before it is."""
        start = np.maximum(self.issue, self.end)
        finish = start + cycles
        np.maximum(self.end, finish, out=self.end)
        return start, finish


def makespan(steps) -> int:
    """Cycles from the first command's start to the last one's finish of `steps` (validate.Step
    with their accesses and resource) run on a fresh core: the compiler's price of a queue."""
    line = CoreTimeline()
    for s in steps:
        line.time(s.resource, s.accesses, s.cycles)  # a WAIT's event: at once
    return int(line.end[0])

