"""A CGRA virtual core's configuration: what each functional unit does in each slot of the
initiation interval, as CGRA_CONFIGURE loads it (docs/command-stream.md, "CGRA configuration").

The blob is little-endian int32 words: a header [MAGIC, ii, length, n_nodes], then 18 words per
node (`NODE_FIELDS`). A node is one operation of the loop body, placed on functional unit `fu`
at cycle `time` of iteration 0 (iteration i runs it at i*ii + time; its result is ready
`latency` cycles later, in one of `regs` rotating registers). An operand names its producer
node and `back`: how many writes before the newest completed one it reads. Which iteration's
value that is follows from the timing alone (`operand_offset`), so a schedule that reads a value
before it is ready computes with a stale one, as the hardware would.

This module decodes and checks a blob against the virtual core's functional units: the checks
are the ones hardware would make impossible to violate (one operation per unit and slot, legal
operations per unit type, registers that exist).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StreamError

MAGIC = 0x41524743  # "CGRA"
HEADER_WORDS = 4
NODE_FIELDS = ("fn", "fu", "time", "regs", "init", "imm", "port", "width", "stride", "outer_stride",
               "period", "offset", "a_src", "a_back", "b_src", "b_back", "c_src", "c_back")
NODE_WORDS = len(NODE_FIELDS)
IMMEDIATE = -1  # an operand source: the node's `imm` (from the immediate unit)
FU_TYPES = ("alu", "mul", "lsu")  # in the order units are numbered

# fn code -> (name, functional-unit type, operand count). Codes are the ABI; never renumber.
FUNCTIONS = {
    1: ("mov", "alu", 1), 2: ("add", "alu", 2), 3: ("sub", "alu", 2), 4: ("and", "alu", 2),
    5: ("or", "alu", 2), 6: ("xor", "alu", 2), 7: ("shl", "alu", 2), 8: ("shr", "alu", 2),
    9: ("sra", "alu", 2), 10: ("min", "alu", 2), 11: ("max", "alu", 2), 12: ("lt", "alu", 2),
    13: ("ltu", "alu", 2), 14: ("select", "alu", 3),
    20: ("mul", "mul", 2), 21: ("mulh", "mul", 2),
    30: ("load", "lsu", 0), 31: ("gather", "lsu", 1), 32: ("store", "lsu", 1), 33: ("store_last", "lsu", 1),
}
FN_CODES = {name: code for code, (name, _, _) in FUNCTIONS.items()}
MEMORY_FNS = ("load", "gather", "store", "store_last")
STORES = ("store", "store_last")
PORTS = 4  # memory windows a launch declares
MAX_II = 1 << 12  # the largest `cgra.max_ii` a target may declare


@dataclass(frozen=True)
class Node:
    index: int
    name: str  # the function's name
    fu_type: str
    fu: int
    time: int
    regs: int
    init: int
    imm: int
    port: int
    width: int
    stride: int
    outer_stride: int
    period: int
    offset: int
    operands: tuple[tuple[int, int], ...]  # (source node or IMMEDIATE, back)


@dataclass(frozen=True)
class Config:
    ii: int
    length: int  # cycles from the first operation of an iteration to its last result
    nodes: tuple[Node, ...]
    latency: tuple[int, ...]  # per node

    def operand_offset(self, consumer: Node, src: int, back: int) -> int:
        """How many iterations before the consumer's own the value it reads was produced: the
        newest value completed when iteration i reads is that of iteration
        i + floor((t_c - t_p - latency_p) / ii); `back` steps further into the past."""
        p = self.nodes[src]
        return back - (consumer.time - p.time - self.latency[src]) // self.ii


def fu_types(spec) -> list[str]:
    """The virtual core's functional units by index: ALUs, then multipliers, then LSUs."""
    return [t for t in FU_TYPES for _ in range(getattr(spec, t))]


def decode(words: np.ndarray, spec, ii: int, length: int) -> Config:
    """The configuration in `words` (int32), checked against the virtual core `spec` and the
    CGRA_CONFIGURE fields that announced it; StreamError names the first problem."""
    if words.size < HEADER_WORDS or int(words[0]) != MAGIC:
        raise StreamError("the configuration does not start with the CGRA magic word")
    if (int(words[1]), int(words[2])) != (ii, length):
        raise StreamError(f"the configuration says ii {int(words[1])}, length {int(words[2])}; "
                          f"the command said ii {ii}, length {length}")
    n = int(words[3])
    if words.size != HEADER_WORDS + n * NODE_WORDS:
        raise StreamError(f"the configuration holds {words.size} words; {n} nodes need "
                          f"{HEADER_WORDS + n * NODE_WORDS}")
    units = fu_types(spec)
    nodes = []
    for i in range(n):
        raw = dict(zip(NODE_FIELDS, (int(v) for v in words[HEADER_WORDS + i * NODE_WORDS:][:NODE_WORDS])))
        nodes.append(_node(i, raw, units, n))
    latency = tuple(spec.latency[node.fu_type] for node in nodes)
    config = Config(ii, length, tuple(nodes), latency)
    _check_slots(config)
    _check_registers(config, spec)
    return config


def _node(i: int, raw: dict, units: list[str], n: int) -> Node:
    where = f"configuration node {i}"
    if raw["fn"] not in FUNCTIONS:
        raise StreamError(f"{where} has unknown function code {raw['fn']}")
    name, fu_type, arity = FUNCTIONS[raw["fn"]]
    if not 0 <= raw["fu"] < len(units):
        raise StreamError(f"{where} ({name}) is on functional unit {raw['fu']}; the virtual core has {len(units)}")
    if units[raw["fu"]] != fu_type:
        raise StreamError(f"{where} ({name}) needs a {fu_type} but unit {raw['fu']} is a {units[raw['fu']]}")
    if raw["time"] < 0 or raw["regs"] < 0:
        raise StreamError(f"{where} ({name}) has a negative time or register count")
    if name in MEMORY_FNS:
        if not 0 <= raw["port"] < PORTS or raw["width"] not in (1, 4):
            raise StreamError(f"{where} ({name}) uses port {raw['port']} with width {raw['width']}; "
                              f"ports 0..{PORTS - 1}, widths 1 and 4")
        if raw["period"] < 0:
            raise StreamError(f"{where} ({name}) has a negative period")
    operands = []
    for slot in "abc"[:arity]:
        src, back = raw[f"{slot}_src"], raw[f"{slot}_back"]
        if not (src == IMMEDIATE or 0 <= src < n) or back < 0:
            raise StreamError(f"{where} ({name}) operand {slot} reads node {src} back {back}")
        operands.append((src, back))
    return Node(i, name, fu_type, raw["fu"], raw["time"], raw["regs"], raw["init"], raw["imm"],
                raw["port"], raw["width"], raw["stride"], raw["outer_stride"], raw["period"],
                raw["offset"], tuple(operands))


def _check_slots(config: Config) -> None:
    """One operation per functional unit per slot of the II (the modulo reservation table)."""
    taken = {}
    for node in config.nodes:
        slot = (node.fu, node.time % config.ii)
        if slot in taken:
            raise StreamError(f"configuration nodes {taken[slot]} and {node.index} both use functional "
                              f"unit {node.fu} in slot {slot[1]} of ii {config.ii}")
        taken[slot] = node.index
    end = max((n.time + lat for n, lat in zip(config.nodes, config.latency)), default=0)
    if end != config.length:
        raise StreamError(f"the configuration's length is {config.length} cycles but its last result is ready at {end}")


def max_live(ii: int, lifetimes) -> int:
    """Registers a modulo schedule needs at once (Rau's MaxLive): a value written at cycle
    `start` of iteration 0 and last read at `end` occupies a register in cycles [start, end)
    (at least one) of every iteration, iterations ii cycles apart; the most values live in any
    slot of the ii is what the rotating register files must hold."""
    live = [0] * ii
    for start, end in lifetimes:
        for c in range(start, max(end, start + 1)):
            live[c % ii] += 1
    return max(live, default=0)


def lifetimes(config: Config) -> list[tuple[int, int]]:
    """(written, last read) per value that is read, in cycles of iteration 0's timeline."""
    last: dict[int, int] = {}
    for node in config.nodes:
        for src, back in node.operands:
            if src != IMMEDIATE:
                read = config.operand_offset(node, src, back) * config.ii + node.time
                last[src] = max(last.get(src, read), read)
    return [(config.nodes[s].time + config.latency[s], end) for s, end in sorted(last.items())]


def _check_registers(config: Config, spec) -> None:
    """Each value read `back` writes ago must still be in one of its rotating registers, and
    the values live at once must fit the virtual core's register files."""
    for node in config.nodes:
        for src, back in node.operands:
            if src != IMMEDIATE and back >= config.nodes[src].regs:
                raise StreamError(f"configuration node {node.index} reads node {src} back {back}, "
                                  f"which keeps {config.nodes[src].regs} registers")
    need = max_live(config.ii, lifetimes(config))
    if need > spec.registers:
        raise StreamError(f"the configuration keeps {need} values live at once; the virtual core has "
                          f"{spec.registers} registers")
