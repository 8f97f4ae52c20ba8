"""A CGRA kernel as the compiler holds it: a loop nest (`outer` x `inner` iterations) whose body
is a dataflow graph of 32-bit integer operations, and its meaning.

The same graph is the body region of a `cgra.kernel` op (dialects/cgra.py builds one from the
other), the input of the modulo scheduler (scheduler.py) and, scheduled, the configuration the
runtime executes (encode.py). `evaluate` is the compiler's definition of what a kernel computes,
iteration by iteration with no schedule: the integer reference runs it, and the runtime's
execution of the scheduled configuration must give the same bits. The runtime has its own table
of the operations (runtime/units/cgra.py) on purpose: it imports nothing from the compiler, and
two independent definitions that agree are the check.

Operations (each is one functional-unit operation; `fu_type` says which kind of unit):
- alu: mov, add, sub, and, or, xor, shl, shr (logical), sra, min, max, lt, ltu (0/1),
  select(c, a, b) = c != 0 ? a : b; all wrap to 32 bits.
- mul: mul (the low 32 bits of the product), mulh (the high 32 bits of the signed 64-bit
  product, as RISC-V MULH).
- lsu: load (element `offset + outer_stride * o + stride * (i mod period)` of a port, int8 or int32,
  sign-extended), gather (element `a` of a port: a table lookup), store and store_last (the
  latter only at the last inner iteration: a reduction's result).
An operand is another operation's result in the same iteration (distance 0), in an earlier one
(distance d: a recurrence, reading `init` before the first iteration), or the immediate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ALU_FNS = ("mov", "add", "sub", "and", "or", "xor", "shl", "shr", "sra", "min", "max", "lt", "ltu", "select")
MUL_FNS = ("mul", "mulh")
LSU_FNS = ("load", "gather", "store", "store_last")
ARITY = {**{f: 2 for f in ALU_FNS}, "mov": 1, "select": 3, "mul": 2, "mulh": 2,
         "load": 0, "gather": 1, "store": 1, "store_last": 1}
STORES = ("store", "store_last")
IMM = None  # an operand source: the operation's immediate


def fu_type(fn: str) -> str:
    return "alu" if fn in ALU_FNS else "mul" if fn in MUL_FNS else "lsu"


@dataclass
class Node:
    fn: str
    args: list = field(default_factory=list)  # [(source node index or IMM, distance)]
    imm: int = 0
    init: int = 0  # the value later iterations' reads find before the first iteration
    port: int = 0
    width: int = 1
    stride: int = 0
    outer_stride: int = 0
    period: int = 0
    offset: int = 0


@dataclass
class Kernel:
    """`ports[k]` names what port k is (for messages and the report); the last ones written."""
    name: str
    nodes: list[Node]
    outer: int
    inner: int
    ports: list[str]

    def uses(self, i: int) -> list[tuple[int, int]]:
        """(consumer, distance) for every read of node i."""
        return [(c, d) for c, n in enumerate(self.nodes) for src, d in n.args if src == i]


class Value(int):
    """A node's result while a kernel is being built (its index)."""


class Builder:
    """Builds a kernel's body; recurrences are opened with `recur(init)` and closed with
    `close(handle, value)` (the value the next iteration reads)."""

    def __init__(self):
        self.nodes: list[Node] = []
        self._open: dict[int, int] = {}  # placeholder id -> init

    def _add(self, node: Node) -> Value:
        self.nodes.append(node)
        return Value(len(self.nodes) - 1)

    @staticmethod
    def _arg(v):
        if isinstance(v, Recurrence):
            return (v, 1)
        return (int(v), 0)

    def op(self, fn: str, *args, imm: int | None = None) -> Value:
        """An alu or mul operation; `imm` fills the last operand slot."""
        operands = [self._arg(a) for a in args]
        if imm is not None:
            operands.append((IMM, 0))
        if len(operands) != ARITY[fn]:
            raise ValueError(f"{fn} takes {ARITY[fn]} operands, got {len(operands)}")
        return self._add(Node(fn, operands, imm=int(imm or 0)))

    def load(self, port: int, width: int = 1, stride: int = 1, outer_stride: int = 0, period: int = 0,
             offset: int = 0) -> Value:
        return self._add(Node("load", [], port=port, width=width, stride=stride, outer_stride=outer_stride,
                              period=period, offset=offset))

    def gather(self, index, port: int, width: int = 1) -> Value:
        return self._add(Node("gather", [self._arg(index)], port=port, width=width))

    def store(self, value, port: int, width: int = 1, stride: int = 1, outer_stride: int = 0,
              last: bool = False, offset: int = 0) -> Value:
        return self._add(Node("store_last" if last else "store", [self._arg(value)], port=port, width=width,
                              stride=stride, outer_stride=outer_stride, offset=offset))

    def recur(self, init: int) -> "Recurrence":
        return Recurrence(init)

    def close(self, handle: "Recurrence", value) -> None:
        handle.value = int(value)

    def finish(self, name: str, outer: int, inner: int, ports: list[str]) -> Kernel:
        for node in self.nodes:
            resolved = []
            for src, d in node.args:
                if isinstance(src, Recurrence):
                    if src.value is None:
                        raise ValueError("a recurrence was opened and never closed")
                    self.nodes[src.value].init = src.init
                    src = src.value
                resolved.append((src, d))
            node.args = resolved
        return Kernel(name, self.nodes, outer, inner, ports)


@dataclass(eq=False)
class Recurrence:
    init: int
    value: int | None = None


# -- the meaning -------------------------------------------------------------------------------

def wrap32(v):
    return ((np.asarray(v, np.int64) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _u32(v):
    return np.asarray(v, np.int64) & 0xFFFFFFFF


FUNCTIONS = {
    "mov": lambda a: a, "add": np.add, "sub": np.subtract, "and": np.bitwise_and, "or": np.bitwise_or,
    "xor": np.bitwise_xor, "shl": lambda a, b: a << (b & 31), "shr": lambda a, b: _u32(a) >> (b & 31),
    "sra": lambda a, b: a >> (b & 31), "min": np.minimum, "max": np.maximum,
    "lt": lambda a, b: (a < b).astype(np.int64), "ltu": lambda a, b: (_u32(a) < _u32(b)).astype(np.int64),
    "select": lambda c, a, b: np.where(c != 0, a, b), "mul": np.multiply,
    "mulh": lambda a, b: (a * b) >> 32,
}


def _element(port_data: np.ndarray, index, width: int, name: str):
    """Element(s) `index` of a port's bytes, as int8 or little-endian int32."""
    index = np.asarray(index, np.int64)
    count = port_data.size // width
    if index.size and (index.min() < 0 or index.max() >= count):
        raise ValueError(f"kernel reads element {int(index.max() if index.max() >= count else index.min())} "
                         f"of port '{name}', which holds {count}")
    elems = port_data.view(np.int8) if width == 1 else port_data.view("<i4")
    return elems[index].astype(np.int64)


def dependences(kernel: Kernel):
    """Edges producer -> consumer, with the distance and the producer's latency slot free."""
    import networkx as nx  # deferred: 0.2 s to import, and only CGRA kernels need it
    g = nx.DiGraph()
    g.add_nodes_from(range(len(kernel.nodes)))
    for c, node in enumerate(kernel.nodes):
        for src, d in node.args:
            if src is not IMM:
                g.add_edge(src, c, distance=min(d, g.edges[src, c]["distance"]) if g.has_edge(src, c) else d)
    return g


def evaluate(kernel: Kernel, inputs: list[np.ndarray], out_bytes: list[int]) -> list[np.ndarray]:
    """Run the kernel on the read ports' bytes (uint8 arrays, in port order); returns the
    written ports' bytes (uint8, out_bytes each, zeroed first). Each node runs over all
    iterations at once, except nodes on a recurrence, which go iteration by iteration."""
    import networkx as nx  # deferred: 0.2 s to import, and only CGRA kernels need it
    n_in = len(inputs)
    ports = [np.ascontiguousarray(p, np.uint8) for p in inputs] + [np.zeros(n, np.uint8) for n in out_bytes]
    values: dict[int, np.ndarray] = {}
    g = dependences(kernel)
    cond = nx.condensation(g)
    for scc in nx.topological_sort(cond):
        members = sorted(cond.nodes[scc]["members"])
        if len(members) == 1 and not g.has_edge(members[0], members[0]):
            values[members[0]] = _run(kernel, members[0], values, ports, slice(None))
            continue
        for k in members:
            values[k] = np.zeros((kernel.outer, kernel.inner), np.int64)
        for i in range(kernel.inner):
            for k in members:  # distance-0 reads inside a cycle go to lower indices
                values[k][:, i] = _run(kernel, k, values, ports, i)[:, 0]
    for k, node in enumerate(kernel.nodes):
        if node.fn in STORES:
            index = _index(kernel, node, slice(None))
            v = values[k]
            if node.fn == "store_last":
                index, v = index[:, -1:], v[:, -1:]
            _put(ports[node.port], index, v, node.width, kernel.ports[node.port])
    return ports[n_in:]


def _index(kernel, node, cols):
    i = np.arange(kernel.inner, dtype=np.int64)[cols]
    i = np.atleast_1d(i % node.period if node.period else i)
    return node.offset + np.arange(kernel.outer, dtype=np.int64)[:, None] * node.outer_stride + i[None, :] * node.stride


def _operand(kernel, node, src, d, values, cols):
    """The operand over iterations `cols` (a slice: all of them, or one index)."""
    outer, inner = kernel.outer, kernel.inner
    width = inner if isinstance(cols, slice) else 1
    if src is IMM:
        return np.full((outer, width), node.imm, np.int64)
    init = kernel.nodes[src].init
    if not isinstance(cols, slice):
        return values[src][:, cols - d:cols - d + 1] if cols >= d else np.full((outer, 1), init, np.int64)
    out = np.full((outer, inner), init, np.int64)
    out[:, d:] = values[src][:, :inner - d]
    return out


def _run(kernel, k, values, ports, cols):
    node = kernel.nodes[k]
    args = [_operand(kernel, node, src, d, values, cols) for src, d in node.args]
    name = kernel.ports[node.port] if node.fn in LSU_FNS else ""
    if node.fn == "load":
        return _element(ports[node.port], _index(kernel, node, cols), node.width, name)
    if node.fn == "gather":
        return _element(ports[node.port], args[0], node.width, name)
    if node.fn in STORES:
        return args[0]
    return wrap32(FUNCTIONS[node.fn](*args))


def _put(port_data, index, values, width, name):
    count = port_data.size // width
    if index.size and (index.min() < 0 or index.max() >= count):
        raise ValueError(f"kernel writes outside port '{name}', which holds {count} elements")
    elems = port_data.view(np.int8) if width == 1 else port_data.view("<i4")
    elems[index] = wrap32(values).astype(elems.dtype) if width == 4 else (wrap32(values) & 0xFF).astype(np.uint8).view(np.int8)
