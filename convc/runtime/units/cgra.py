"""A virtual core of a Blocks-style CGRA: CGRA_CONFIGURE and CGRA_LAUNCH (format 1.10).

A virtual core is a set of functional units carved from the fabric (`alu`, `mul`, `lsu` counts,
a register budget, per-type latencies in the target file) that runs one modulo-scheduled loop at
a time. CGRA_CONFIGURE loads a configuration (cgra_config.py) from the core's L1;
CGRA_LAUNCH runs it for `outer` x `inner` iterations over up to four memory windows (ports) of
that L1, each declared with its size and, by a flag bit, whether it is written. The loop body
restarts its pipeline for every outer iteration (a row of a reduction), so its price is
outer * ((inner - 1) * ii + length) cycles, plus the configuration's words times
`config_cycles_per_word` when it is loaded.

The unit executes the configuration itself: each node over all iterations of the modulo
schedule, vectorised where the node is on no recurrence, iteration by iteration in the order
of the hardware's cycles where it is. Operands are read at the iteration the timing gives, so
a wrong schedule gives wrong numbers. Every address a load or store computes is checked
against its port's window (StreamError otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StreamError
from ..geometry import flat
from ..schema import Table
from .base import Opcode, Unit
from .cgra_config import FU_TYPES, HEADER_WORDS, IMMEDIATE, MAX_II, NODE_WORDS, PORTS, STORES, Config, decode

__all__ = ["CGRA_CONFIGURE", "CGRA_LAUNCH", "CgraSpec", "CgraUnit", "run_kernel"]

CGRA_MINOR = 10
CGRA_CONFIGURE = Opcode.from_layout(0x16, "CGRA_CONFIGURE", "src words ii length", "cgra", since_minor=CGRA_MINOR)
CGRA_LAUNCH = Opcode.from_layout(
    0x17, "CGRA_LAUNCH", "outer inner " + " ".join(f"p{k} n{k}" for k in range(PORTS)), "cgra",
    {1 << k: f"w{k}" for k in range(PORTS)}, since_minor=CGRA_MINOR)
MAX_TRIPS = 1 << 28


@dataclass(frozen=True)
class CgraSpec:
    alu: int
    mul: int
    lsu: int
    registers: int  # rotating registers over the virtual core's register files
    latency: dict  # fu type -> cycles from issue to result
    max_ii: int
    config_cycles_per_word: float
    energy_pj_per_op: float
    energy_pj_per_config_word: float


@dataclass
class CgraStatic:
    core: int
    configured: tuple[int, int, int] | None = None  # (ii, length, nodes) of the loaded configuration


def _i32(v):
    return ((np.asarray(v, np.int64) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _u32(v):
    return np.asarray(v, np.int64) & 0xFFFFFFFF


ALU = {
    "mov": lambda a: a, "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
    "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
    "shl": lambda a, b: a << (b & 31), "shr": lambda a, b: _u32(a) >> (b & 31), "sra": lambda a, b: a >> (b & 31),
    "min": np.minimum, "max": np.maximum, "lt": lambda a, b: (a < b).astype(np.int64),
    "ltu": lambda a, b: (_u32(a) < _u32(b)).astype(np.int64),
    "select": lambda c, a, b: np.where(c != 0, a, b),
    "mul": lambda a, b: a * b, "mulh": lambda a, b: (a * b) >> 32,  # int32 x int32 fits int64
}


class _Window:
    """One port's bytes during a launch; loads read it, stores write a copy back at the end."""

    def __init__(self, memory, port: int, base: int, nbytes: int, written: bool):
        self.port, self.base, self.nbytes, self.written = port, base, nbytes, written
        self.data = memory.read(base, nbytes) if nbytes else np.zeros(0, np.uint8)

    def offsets(self, node, index, where: str) -> np.ndarray:
        off = np.asarray(index, np.int64) * node.width
        if off.size and (off.min() < 0 or off.max() + node.width > self.nbytes):
            bad = int(off[(off < 0) | (off + node.width > self.nbytes)].flat[0])
            raise StreamError(f"{where} accesses byte {bad} of port {self.port}, whose window holds {self.nbytes}")
        return off

    def load(self, node, index, where):
        off = self.offsets(node, index, where)
        if node.width == 1:
            return self.data[off].astype(np.int8).astype(np.int64)
        b = [self.data[off + k].astype(np.int64) for k in range(4)]
        return _i32(b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24))

    def store(self, node, index, values, where):
        off = self.offsets(node, index, where).reshape(-1)
        v = _u32(values).reshape(-1)
        for k in range(node.width):  # iterations in order: a later store to a byte wins
            self.data[off + k] = (v >> (8 * k)) & 0xFF


def _affine_index(node, outer: int, inner: int) -> np.ndarray:
    """Element index of a load or store for every (outer, inner) iteration."""
    i = np.arange(inner, dtype=np.int64)
    if node.period:
        i = i % node.period
    o = np.arange(outer, dtype=np.int64)[:, None]
    return node.offset + o * node.outer_stride + i[None, :] * node.stride


def _dependences(config: Config):
    import networkx as nx  # deferred: 0.2 s to import, and only CGRA kernels need it
    g = nx.DiGraph()
    g.add_nodes_from(range(len(config.nodes)))
    for node in config.nodes:
        for src, back in node.operands:
            if src != IMMEDIATE:
                g.add_edge(src, node.index)
    return g


def run_kernel(config: Config, memory, ports: list[tuple[int, int, bool]], outer: int, inner: int) -> None:
    """Execute `config` for outer x inner iterations over `ports` [(base, bytes, written)]."""
    import networkx as nx  # deferred: 0.2 s to import, and only CGRA kernels need it
    if outer == 0 or inner == 0:
        return
    windows = [_Window(memory, k, *p) for k, p in enumerate(ports)]
    values: dict[int, np.ndarray] = {}  # node -> int64 [outer, inner]
    g = _dependences(config)
    order = nx.condensation(g)
    for scc in nx.topological_sort(order):
        members = sorted(order.nodes[scc]["members"])
        if len(members) == 1 and not g.has_edge(members[0], members[0]):
            values[members[0]] = _vector_node(config, config.nodes[members[0]], values, windows, outer, inner)
        else:
            _recurrence(config, members, values, windows, outer, inner)
    for node in config.nodes:
        if node.name in STORES:
            _store(node, values[node.index], windows, outer, inner)
    for w in windows:
        if w.written and w.nbytes:
            memory.write(w.base, w.data)


def _operand(config, node, slot, values, outer, inner, column=None):
    """The operand's values at every iteration (or at inner iteration `column`), shifted by the
    offset the timing gives; iterations before the first read the producer's `init`."""
    src, back = node.operands[slot]
    if src == IMMEDIATE:
        return np.full((outer, 1 if column is not None else inner), node.imm, np.int64)
    off = config.operand_offset(node, src, back)
    init = config.nodes[src].init
    if column is not None:
        j = column - off
        if 0 <= j < inner:
            return values[src][:, j:j + 1]
        return np.full((outer, 1), init, np.int64)
    produced = values[src]
    out = np.full((outer, inner), init, np.int64)
    j = np.arange(inner) - off
    ok = (j >= 0) & (j < inner)
    out[:, ok] = produced[:, j[ok]]
    return out


def _compute(config, node, args, windows, outer, inner, index=None):
    where = f"configuration node {node.index} ({node.name})"
    if node.name == "load":
        return windows[node.port].load(node, index, where)
    if node.name == "gather":
        return windows[node.port].load(node, args[0], where)
    if node.name in STORES:
        return args[0]  # the value to store; written once all values are known
    return _i32(ALU[node.name](*args))


def _vector_node(config, node, values, windows, outer, inner):
    args = [_operand(config, node, s, values, outer, inner) for s in range(len(node.operands))]
    index = _affine_index(node, outer, inner) if node.name == "load" else None
    return _compute(config, node, args, windows, outer, inner, index)


def _recurrence(config, members, values, windows, outer, inner):
    """Nodes on a cycle: iteration by iteration, each iteration's nodes in the order their
    cycles come (i * ii + time), so every read finds the value the timing says it reads."""
    for m in members:
        values[m] = np.zeros((outer, inner), np.int64)
    loads = {m: _affine_index(config.nodes[m], outer, inner) for m in members if config.nodes[m].name == "load"}
    events = sorted((i * config.ii + config.nodes[m].time, m, i) for i in range(inner) for m in members)
    for _, m, i in events:
        node = config.nodes[m]
        args = [_operand(config, node, s, values, outer, inner, column=i) for s in range(len(node.operands))]
        index = loads[m][:, i:i + 1] if m in loads else None
        values[m][:, i:i + 1] = _compute(config, node, args, windows, outer, inner, index)


def _store(node, stored, windows, outer, inner):
    index = _affine_index(node, outer, inner)
    if node.name == "store_last":  # a reduction's result: once per outer iteration
        index, stored = index[:, -1:], stored[:, -1:]
    windows[node.port].store(node, index, stored, f"configuration node {node.index} ({node.name})")


class CgraState:
    def __init__(self, spec: CgraSpec):
        self.spec = spec
        self.config: Config | None = None


class CgraUnit(Unit):
    kind = "cgra"
    opcodes = (CGRA_CONFIGURE, CGRA_LAUNCH)

    def track(self, cmd):
        return "program: cgra" if cmd.op is CGRA_CONFIGURE else "compute: cgra"

    def parse_spec(self, table, path):
        t = Table(table, path)
        lat = t.table("latency", {})
        spec = CgraSpec(
            alu=t.integer("alu"), mul=t.integer("mul", minimum=0), lsu=t.integer("lsu"),
            registers=t.integer("registers"),
            latency={k: lat.integer(k, 1) for k in FU_TYPES},
            max_ii=t.integer("max_ii", 64), config_cycles_per_word=t.number("config_cycles_per_word", allow_zero=True),
            energy_pj_per_op=t.number("energy_pj_per_op", allow_zero=True),
            energy_pj_per_config_word=t.number("energy_pj_per_config_word", allow_zero=True))
        lat.finish()
        if spec.max_ii > MAX_II:
            t.fail("max_ii", f"is {spec.max_ii}; at most {MAX_II}")
        t.finish()
        return spec

    def new_static(self, spec, core):
        return CgraStatic(core)

    def check(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is CGRA_CONFIGURE:
            if not 1 <= f["ii"] <= spec.max_ii:
                return f"has ii {f['ii']}; the virtual core takes 1..{spec.max_ii}"
            return None
        if state.configured is None:
            return f"runs before any CGRA_CONFIGURE on core {state.core}"
        if f["outer"] * f["inner"] > MAX_TRIPS:
            return f"runs {f['outer']} x {f['inner']} iterations; at most {MAX_TRIPS}"
        return None

    def accesses(self, cmd, state):
        f = cmd.fields
        if cmd.op is CGRA_CONFIGURE:
            return [flat("src", False, f["src"], 4 * f["words"])]
        return [flat(f"p{k}", bool(cmd.flags & (1 << k)), f[f"p{k}"], f[f"n{k}"]) for k in range(PORTS)]

    def price(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is CGRA_CONFIGURE:
            return (round(f["words"] * spec.config_cycles_per_word), 0,
                    f["words"] * spec.energy_pj_per_config_word)
        ii, length, nodes = state.configured
        trips = f["outer"] * f["inner"]
        cycles = f["outer"] * ((f["inner"] - 1) * ii + length) if trips else 0
        return cycles, 0, trips * nodes * spec.energy_pj_per_op

    def advance(self, cmd, state):
        if cmd.op is CGRA_CONFIGURE:
            words = cmd.fields["words"]
            state.configured = (cmd.fields["ii"], cmd.fields["length"], max(0, words - HEADER_WORDS) // NODE_WORDS)

    def new_state(self, spec, options=None):
        return CgraState(spec)

    def execute(self, cmd, memory, state):
        f = cmd.fields
        if cmd.op is CGRA_CONFIGURE:
            words = np.frombuffer(memory.read(f["src"], 4 * f["words"]).tobytes(), "<i4")
            state.config = decode(words, state.spec, f["ii"], f["length"])
            return
        ports = [(f[f"p{k}"], f[f"n{k}"], bool(cmd.flags & (1 << k))) for k in range(PORTS)]
        # Loads read a port's window as it was at the launch and stores land at its end, which
        # hardware matches only if no written window overlaps another (checked here, not at
        # validation: the cost model prices launches before buffers have their addresses).
        for a, (pa, na, wa) in enumerate(ports):
            for b, (pb, nb, wb) in enumerate(ports[a + 1:], a + 1):
                if (wa or wb) and na and nb and pa < pb + nb and pb < pa + na:
                    raise StreamError(f"CGRA_LAUNCH declares ports {a} and {b} overlapping, one of them written")
        run_kernel(state.config, memory, ports, f["outer"], f["inner"])
