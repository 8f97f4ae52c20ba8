"""A run's timeline in the Chrome trace-event format (Perfetto, chrome://tracing).

The executor records a Span per command of the first sample (executor.py); here each core
becomes a process and each of its tracks a thread: "dma", "wait", "program: <engine>"
(weights, configurations), "compute: <engine>" (units/base.py Unit.track). Spans are
complete events ("ph": "X") in microseconds of the target's clock, named after the layer
that emitted the command when the stream's META lists the layers (the compiler's debug
information), else after the opcode. A counter per core follows its DMA: the bytes in flight.
Where META.layers gives the layers' memory (l1_bytes, out_bytes, out_level, reads), two more
follow the compiler's plan over the measured timeline: each core's L1 bytes in use (a layer
holds its working set from its first command to its last) and the L2 bytes live (an output
the plan put in L2, from its layer's start until the last layer reading it ends; a network
output until the run ends), the L2 as a process of its own.

Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
"""
from __future__ import annotations

import json

from .executor import Span
from .stream import Stream
from .target import Target

TRACK_ORDER = ("dma", "program", "compute", "wait", "sync")


def layer_of(stream: Stream) -> dict[tuple[int, int], dict]:
    """(core, command index) -> the META layer entry that emitted it (empty without one)."""
    found = {}
    layers = stream.meta.get("layers")
    if not isinstance(layers, list):
        return found
    for layer in layers:
        try:
            core, first, count = int(layer["core"]), int(layer["first"]), int(layer["count"])
        except (KeyError, TypeError, ValueError):
            continue  # debug information only: a malformed entry names nothing
        for i in range(first, first + count):
            found[(core, i)] = layer
    return found


def _track_key(track: str) -> tuple[int, str]:
    head = track.split(":")[0]
    return (TRACK_ORDER.index(head) if head in TRACK_ORDER else len(TRACK_ORDER), track)


def chrome_trace(stream: Stream, target: Target, spans: list[Span]) -> dict:
    """The trace-event JSON object of the spans of one run."""
    us = 1.0 / target.clock_mhz  # microseconds per cycle
    names = layer_of(stream)
    tracks: dict[int, list[str]] = {}
    for s in spans:
        tracks.setdefault(s.core, [])
        if s.track not in tracks[s.core]:
            tracks[s.core].append(s.track)
    tid = {}
    events = []
    for core in sorted(tracks):
        group = next((g.name for g in target.groups if g.first <= core < g.first + g.count), "")
        events.append({"ph": "M", "name": "process_name", "pid": core, "tid": 0,
                       "args": {"name": f"core {core}" + (f" ({group})" if group else "")}})
        events.append({"ph": "M", "name": "process_sort_index", "pid": core, "tid": 0, "args": {"sort_index": core}})
        for i, track in enumerate(sorted(tracks[core], key=_track_key)):
            tid[(core, track)] = i + 1
            events.append({"ph": "M", "name": "thread_name", "pid": core, "tid": i + 1, "args": {"name": track}})
            events.append({"ph": "M", "name": "thread_sort_index", "pid": core, "tid": i + 1,
                           "args": {"sort_index": i + 1}})
    in_flight: list[tuple[int, int, int]] = []  # (cycle, core, +-bytes)
    for s in spans:
        layer = names.get((s.core, s.command))
        args = {"op": s.op, "command": s.command, "cycles": s.end - s.start, "energy_pj": round(s.energy_pj, 3)}
        if layer:
            args.update(layer=layer.get("node"), layer_id=layer.get("id"))
        if s.track == "sync":  # SIGNAL: an instant
            events.append({"ph": "i", "s": "t", "name": s.op, "cat": s.track, "ts": s.start * us,
                           "pid": s.core, "tid": tid[(s.core, s.track)], "args": args})
            continue
        if s.end == s.start:
            continue
        if s.track == "dma":
            args["bytes"] = s.nbytes // 2  # read once, written once
            in_flight += [(s.start, s.core, s.nbytes // 2), (s.end, s.core, -(s.nbytes // 2))]
        events.append({"ph": "X", "name": (layer or {}).get("node") or s.op, "cat": s.track, "ts": s.start * us,
                       "dur": (s.end - s.start) * us, "pid": s.core, "tid": tid[(s.core, s.track)], "args": args})
    level = {core: 0 for core in tracks}
    for cycle, core, delta in sorted(in_flight):
        level[core] += delta
        events.append({"ph": "C", "name": "DMA bytes in flight", "ts": cycle * us, "pid": core,
                       "args": {"bytes": level[core]}})
    events += memory_counters(stream, spans, names, us, l2_pid=max(tracks, default=-1) + 1)
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {"model": stream.meta.get("model"), "target": target.name, "clock_mhz": target.clock_mhz,
                          "cycles": max((s.end for s in spans), default=0)}}


def _layer_extents(spans: list[Span], names: dict) -> dict[int, list]:
    """layer id -> [first start, last end] in cycles, from its commands' spans."""
    extents = {}
    for s in spans:
        layer = names.get((s.core, s.command))
        if layer is not None and isinstance(layer.get("id"), int):
            ext = extents.setdefault(layer["id"], [s.start, s.end, layer])
            ext[0], ext[1] = min(ext[0], s.start), max(ext[1], s.end)
    return extents


def memory_counters(stream: Stream, spans: list[Span], names: dict, us: float, l2_pid: int) -> list[dict]:
    """The "L1 bytes in use" (per core) and "L2 bytes live" counters (module docstring)."""
    extents = _layer_extents(spans, names)
    end = max((s.end for s in spans), default=0)
    readers: dict[int, list[int]] = {}
    for lid, (_, _, layer) in extents.items():
        for r in layer.get("reads") or []:
            readers.setdefault(r, []).append(lid)
    changes: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for lid, (start, stop, layer) in extents.items():
        l1 = layer.get("l1_bytes")
        if isinstance(l1, int) and l1:
            changes.setdefault(("L1 bytes in use", layer["core"]), []).extend([(start, l1), (stop, -l1)])
        out = layer.get("out_bytes")
        if layer.get("out_level") == "l2" and isinstance(out, int) and out:
            until = max([extents[r][1] for r in readers.get(lid, [])] + [stop]) if readers.get(lid) else end
            changes.setdefault(("L2 bytes live", l2_pid), []).extend([(start, out), (until, -out)])
    events = []
    if any(key[0] == "L2 bytes live" for key in changes):
        events.append({"ph": "M", "name": "process_name", "pid": l2_pid, "tid": 0, "args": {"name": "L2 (shared)"}})
    for (name, pid), deltas in sorted(changes.items()):
        level = 0
        for cycle, delta in sorted(deltas):
            level += delta
            events.append({"ph": "C", "name": name, "ts": cycle * us, "pid": pid, "args": {"bytes": level}})
    return events


def write_trace(path, stream: Stream, target: Target, spans: list[Span]) -> None:
    with open(path, "w") as f:
        json.dump(chrome_trace(stream, target, spans), f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
