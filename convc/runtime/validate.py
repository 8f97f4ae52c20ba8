"""Checks a decoded stream against a target before anything executes, and prices each command.

Everything here depends only on the stream and the target, never on data, so the result (a
`Plan`) is computed once per program and reused for every sample. The only checks left for
execution time are the ones that depend on memory contents (REQUANT's per-channel shifts).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .geometry import Access, accesses, dpu_work, transpose_dims, window_taps
from .stream import COUNT_INCLUDE_PAD, Command, Op, Stream, StreamError
from .target import Target

LEVELS = ("l1", "l2", "dram")
# Window coordinates (o*stride - pad + t*dil) are computed in int64; keeping every term
# below 2^31 makes overflow impossible and rules out only absurd geometries.
COORD_LIMIT = 1 << 31
_CLAMPED = (Op.DPU_REQUANT, Op.DPU_ADD, Op.DPU_MUL, Op.DPU_AVGPOOL, Op.DPU_RESCALE)
_WINDOWED = (Op.DPU_IM2COL, Op.DPU_MAXPOOL, Op.DPU_AVGPOOL, Op.DPU_DWCONV)


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


@dataclass
class Plan:
    target: Target
    name: str
    steps: dict[int, list[Step]]


def supported_bits(target: Target, key: str) -> list[int]:
    """Array modes the target offers: `imc.supported_weight_bits` / `imc.supported_input_bits`
    (default: only the array's native `imc.weight_bits` / `imc.input_bits`, i.e. 8)."""
    imc = target.raw.get("imc", {})
    return list(imc.get(f"supported_{key}", [imc.get(key, 8)]))


def _check_fields(cmd: Command, target: Target) -> str | None:
    """A reason why the command's fields make no sense, or None."""
    f, op = cmd.fields, cmd.op
    if op.name.startswith("DPU_") and op.name[4:].lower() not in target.dpu.ops:
        return f"uses DPU op '{op.name[4:].lower()}', which target {target.name} lacks"
    if op is Op.IMC_MODE:
        for key in ("weight_bits", "input_bits"):
            supported = supported_bits(target, key)
            if f[key] not in supported:
                return f"asks for {key} {f[key]}; target {target.name}'s arrays support {supported}"
    if op is Op.IMC_PROGRAM:
        if not (1 <= f["rows"] <= target.imc.rows and 1 <= f["cols"] <= target.imc.cols):
            return (f"programs a {f['rows']}x{f['cols']} matrix into the "
                    f"{target.imc.rows}x{target.imc.cols} array")
    if op in (Op.DPU_ADD, Op.DPU_MUL, Op.DPU_RESCALE) and not 1 <= f["shift"] <= 62:
        return f"has shift {f['shift']} outside [1, 62]"
    if op in (Op.DPU_ADD, Op.DPU_MUL) and f["n"] and not f["b_len"]:
        return "has b_len 0"
    if op in _CLAMPED and not -128 <= f["clamp_min"] <= f["clamp_max"] <= 127:
        return f"has clamp range [{f['clamp_min']}, {f['clamp_max']}] outside int8 or empty"
    if op is Op.DPU_TRANSPOSE:
        rank = f["rank"]
        if not 1 <= rank <= 4:
            return f"has rank {rank} outside [1, 4]"
        if any(f[f"d{i}"] != 1 or f[f"p{i}"] != i for i in range(rank, 4)):
            return "has unused dims that are not 1 or unused perm entries that are not identity"
        if sorted(transpose_dims(f)[1]) != list(range(rank)):
            return f"has perm {transpose_dims(f)[1]}, not a permutation of 0..{rank - 1}"
    if op in _WINDOWED:
        dil_h, dil_w = (f["dil_h"], f["dil_w"]) if "dil_h" in f else (1, 1)
        if min(f["kh"], f["kw"], f["stride_h"], f["stride_w"], dil_h, dil_w) < 1:
            return "has a zero kernel size, stride or dilation"
        for o, s, p, k, d, n in ((f["out_h"], f["stride_h"], f["pad_top"], f["kh"], dil_h, f["h"]),
                                 (f["out_w"], f["stride_w"], f["pad_left"], f["kw"], dil_w, f["w"])):
            if max(o * s + (k - 1) * d, p, n) >= COORD_LIMIT:
                return "has window coordinates beyond 2^31"
    if op is Op.DPU_IM2COL:
        if f["row_start"] + f["n_rows"] > f["out_h"] * f["out_w"]:
            return (f"writes patch rows {f['row_start']}..{f['row_start'] + f['n_rows']} of a "
                    f"{f['out_h']}x{f['out_w']} output")
        if not -128 <= f["pad_value"] <= 127:
            return f"has pad_value {f['pad_value']} outside int8"
    if op is Op.DPU_AVGPOOL and not (0 <= f["shift"] <= 62 and
                                     (f["kh"] * f["kw"]) << f["shift"] < 1 << 63):
        return f"has shift {f['shift']}: (kh*kw) << shift must stay below 2^63"
    return None


def _check_windows(cmd: Command) -> str | None:
    """Pools need at least one real input pixel in every window (run after the memory-map
    checks, which bound out_h and out_w)."""
    f = cmd.fields
    if cmd.op not in (Op.DPU_MAXPOOL, Op.DPU_AVGPOOL) or not f["out_h"] * f["out_w"] * f["c"]:
        return None
    if cmd.op is Op.DPU_AVGPOOL and cmd.has(COUNT_INCLUDE_PAD):
        return None
    for axis, o, s, p, k, n in (("row", f["out_h"], f["stride_h"], f["pad_top"], f["kh"], f["h"]),
                                ("column", f["out_w"], f["stride_w"], f["pad_left"], f["kw"], f["w"])):
        taps = window_taps(o, s, p, 1, k, n)
        if taps.min() == 0:
            return f"has output {axis} {int(taps.argmin())} whose window lies entirely in padding"
    return None


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


def _price(cmd: Command, accs: list[Access], target: Target, imc_shape, mode=(8, 8)) -> tuple:
    """(cycles, macs, bytes per level, energy in pJ) of one command."""
    f, op = cmd.fields, cmd.op
    level_bytes = dict.fromkeys(LEVELS, 0)
    for a in accs:
        if a.nbytes:
            level_bytes[target.region(a.addr, a.span).level.name] += a.nbytes
    macs, energy = 0, 0.0
    if op is Op.DMA:
        cycles = 0
        for a in accs:
            if a.nbytes:
                lvl = target.region(a.addr, a.span).level
                cycles = max(cycles, lvl.latency_cycles + math.ceil(a.nbytes /
                                                                    lvl.bandwidth_bytes_per_cycle))
    elif op in (Op.SIGNAL, Op.WAIT, Op.IMC_MODE):
        cycles = 1
    elif op is Op.IMC_PROGRAM:  # fewer weight bits: fewer bit planes to write
        cycles = -(-f["rows"] * target.imc.program_cycles_per_row * mode[0] // 8)
        energy += f["rows"] * f["cols"] * target.imc.energy_pj_per_program_byte * mode[0] / 8
    elif op is Op.IMC_MVM:  # bit-serial inputs: cycles follow the input bits
        cycles = -(-f["m"] * target.imc.cycles_per_mvm * mode[1] // 8)
        macs = f["m"] * imc_shape[0] * imc_shape[1]
        energy += macs * target.imc.energy_pj_per_mac
    else:
        work = dpu_work(cmd)
        cycles = -(-work // target.dpu.lanes)
        energy += work * target.dpu.energy_pj_per_op
    levels = {lvl.name: lvl for lvl in (target.l1, target.l2, target.dram)}
    energy += sum(n * levels[name].energy_pj_per_byte for name, n in level_bytes.items())
    return cycles, macs, tuple(level_bytes[n] for n in LEVELS), energy


def _check_sync(stream: Stream) -> str | None:
    signals: dict[int, tuple[int, int]] = {}
    for core, cmds in stream.queues.items():
        for i, cmd in enumerate(cmds):
            if cmd.op is Op.SIGNAL:
                ev = cmd["event"]
                if ev in signals:
                    return (f"event {ev} is signalled twice (command {signals[ev][1]} of core "
                            f"{signals[ev][0]} and command {i} of core {core})")
                signals[ev] = (core, i)
    for core, cmds in stream.queues.items():
        for i, cmd in enumerate(cmds):
            if cmd.op is Op.WAIT and cmd["event"] not in signals:
                return (f"command {i} of core {core} (WAIT) waits for event {cmd['event']}, "
                        f"which no command signals")
    # Only SIGNAL/WAIT matter for progress, so a dry run of the scheduler finds deadlocks.
    pc = dict.fromkeys(stream.queues, 0)
    done: set[int] = set()
    progress = True
    while progress:
        progress = False
        for core, cmds in stream.queues.items():
            while pc[core] < len(cmds):
                cmd = cmds[pc[core]]
                if cmd.op is Op.WAIT and cmd["event"] not in done:
                    break
                if cmd.op is Op.SIGNAL:
                    done.add(cmd["event"])
                pc[core] += 1
                progress = True
    return deadlock_message({c: cmds[pc[c]]["event"] for c, cmds in stream.queues.items()
                             if pc[c] < len(cmds)})


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
        imc_shape, mode = None, (8, 8)
        steps[core] = []
        for i, cmd in enumerate(cmds):
            where = f"command {i} of core {core} ({cmd.label})"
            if cmd.op is Op.IMC_MVM and imc_shape is None:
                fail(f"{where} runs before any IMC_PROGRAM on core {core}")
            problem = _check_fields(cmd, target)
            accs = [] if problem else accesses(cmd, imc_shape, mode[0])
            compute = cmd.op.name.startswith(("IMC_", "DPU_"))
            for a in accs:
                problem = problem or _check_access(a, target, core, compute)
            problem = problem or _check_windows(cmd)
            if problem:
                fail(f"{where} {problem}")
            if cmd.op is Op.IMC_PROGRAM:
                imc_shape = (cmd["rows"], cmd["cols"])
            if cmd.op is Op.IMC_MODE:
                mode = (cmd["weight_bits"], cmd["input_bits"])
            steps[core].append(Step(core, i, cmd, *_price(cmd, accs, target, imc_shape, mode)))
    problem = _check_sync(stream)
    if problem:
        fail(problem)
    return Plan(target, name, steps)
