"""The `cgra` dialect: loop kernels for the virtual cores of a coarse-grained reconfigurable
array.

`cgra.kernel` is a loop nest of `outer` x `inner` iterations over its operands (ports 0.. in
order) and its result (the last port). Its body region is one iteration: a dataflow graph of
32-bit integer operations (the meaning is convc.dialects.cgra_dfg):

    %y = "cgra.kernel"(%x, %table) <{operandSegmentSizes = array<i32: 1, 1, 0>}> ({
      %c = "cgra.imm"() {value = 128 : i64} : () -> i32
      %v = "cgra.load"() {port = 0, width = 1, stride = 1, ...} : () -> i32
      %i = "cgra.alu"(%v, %c) {fn = "add"} : (i32, i32) -> i32
      %t = "cgra.gather"(%i) {port = 1 : i64, width = 1 : i64} : (i32) -> i32
      "cgra.store"(%t) {port = 2, ...} : (i32) -> ()
      "cgra.yield"() : () -> ()
    }) {kernel_name = "lut", outer = 1 : i64, inner = 240 : i64, inits = array<i64>} : ...

A recurrence is a block argument: it holds the value the `cgra.yield` operand in the same
position had in the previous iteration (`inits` before the first), as scf.for's iter_args do.
An immediate (`cgra.imm`) may feed only the last operand of an operation: the virtual core's
immediate unit supplies one constant per operation. The verifier checks that, the operations'
names and operand counts, and that every memory operation names an existing port with that
port's element width.

After convc-tile the kernel carries its modulo schedule (`convc.cgra_schedule`); the
configuration the runtime executes is encoded from both (engines/cgra/encode.py).
"""

from typing import Any, Optional, Sequence

import numpy as np

from convc.dialects.cgra_dfg import ALU_FNS, ARITY, IMM, MUL_FNS, Kernel, Node, evaluate
from convc.dialects.verify import report
from convc.ir.attrs import element_width, get_array, get_int, tensor_shape
from convc.ir.mlir import ext, ir

Operand, Result = ext.Operand, ext.Result
Tensor = ir.RankedTensorType
Word = ir.IntegerType


class Cgra(ext.Dialect, name="cgra"):
    pass


class ImmOp(Cgra.Operation, name="imm"):
    """A constant from the immediate unit."""
    value: ir.IntegerAttr
    result: Result[Word]


class AluOp(Cgra.Operation, name="alu"):
    """An ALU operation: mov add sub and or xor shl shr sra min max lt ltu select."""
    args: Sequence[Operand[Word]]
    fn: ir.StringAttr
    result: Result[Word]


class MulOp(Cgra.Operation, name="mul"):
    """A multiplier operation: mul (low 32 bits) or mulh (high 32 bits of the 64-bit product)."""
    args: Sequence[Operand[Word]]
    fn: ir.StringAttr
    result: Result[Word]


class LoadOp(Cgra.Operation, name="load"):
    """Element offset + outer_stride * o + stride * (i mod period) of a port (period 0: no mod)."""
    port: ir.IntegerAttr
    width: ir.IntegerAttr
    stride: ir.IntegerAttr
    outer_stride: ir.IntegerAttr
    period: ir.IntegerAttr
    offset: ir.IntegerAttr
    result: Result[Word]


class GatherOp(Cgra.Operation, name="gather"):
    """Element `index` of a port: a table lookup."""
    index: Operand[Word]
    port: ir.IntegerAttr
    width: ir.IntegerAttr
    result: Result[Word]


class StoreOp(Cgra.Operation, name="store"):
    """The value's low `width` bytes where a load with these strides would read; with
    last = 1 only in the last inner iteration (a reduction's result)."""
    value: Operand[Word]
    port: ir.IntegerAttr
    width: ir.IntegerAttr
    stride: ir.IntegerAttr
    outer_stride: ir.IntegerAttr
    offset: ir.IntegerAttr
    last: ir.IntegerAttr


class YieldOp(Cgra.Operation, name="yield", traits=[ir.IsTerminatorTrait]):
    """The values the recurrences (the body's block arguments) take in the next iteration."""
    args: Sequence[Operand[Word]]


class KernelOp(Cgra.Operation, name="kernel"):
    in0: Operand[Tensor]
    in1: Optional[Operand[Tensor]]
    in2: Optional[Operand[Tensor]]
    kernel_name: ir.StringAttr
    outer: ir.IntegerAttr
    inner: ir.IntegerAttr
    output: Result[Tensor]
    # An empty array attribute is falsy, which ext reads as "not given": the default supplies it.
    inits: Any = ext.attribute(default_factory=lambda: ir.DenseI64ArrayAttr.get([]), kw_only=True)
    body: ext.Region

    def ports(self) -> list:
        """The operands, then the result: the kernel's memory windows in port order."""
        return [*self.operands, self.output]

    def reference(self, *inputs):
        ports = self.ports()
        raw = [np.asarray(x).astype(_dtype(v)).view(np.uint8).reshape(-1) for x, v in zip(inputs, ports)]
        out = ports[-1]
        size = int(np.prod(tensor_shape(out))) * _width(out)
        result = evaluate(kernel_of(self), raw, [size])[0]
        return result.view(_dtype(out)).reshape(tensor_shape(out))

    def verify_invariants(self) -> bool:
        return report(self, _kernel_problem(self))


def _width(value) -> int:
    return element_width(value) // 8


def _dtype(value):
    return np.int8 if _width(value) == 1 else np.dtype("<i4")


def _port_names(op) -> list[str]:
    return [f"operand {k}" for k in range(len(op.operands))] + ["result"]


def _kernel_problem(op) -> str | None:
    ports = op.ports()
    if any(_width(v) not in (1, 4) for v in ports):
        return "ports must be tensors of i8 or i32"
    blocks = list(op.regions[0].blocks)
    if len(blocks) != 1:
        return "the body must be one block"
    block = blocks[0]
    inits = get_array(op, "inits")
    if len(inits) != len(block.arguments):
        return f"{len(block.arguments)} recurrences but {len(inits)} inits"
    body = list(block.operations)
    if not body or body[-1].operation.name != "cgra.yield":
        return "the body must end with cgra.yield"
    if len(body[-1].operands) != len(block.arguments):
        return f"cgra.yield gives {len(body[-1].operands)} values for {len(block.arguments)} recurrences"
    if get_int(op, "outer") < 1 or get_int(op, "inner") < 1:
        return "outer and inner trip counts must be positive"
    for i, inner in enumerate(body[:-1]):
        why = _body_op_problem(inner, ports, len(ports) - 1)
        if why:
            return f"body op {i} ({inner.operation.name}): {why}"
    return None


def _body_op_problem(op, ports, out_port) -> str | None:
    name = op.operation.name
    if name not in BODY_OPS:
        return "not a cgra body operation"
    operands = list(op.operands)
    imms = [k for k, v in enumerate(operands) if _is_imm(v)]
    if imms and imms != [len(operands) - 1]:
        return "an immediate may feed only the last operand (one per operation)"
    if name in ("cgra.alu", "cgra.mul"):
        fn = ir.StringAttr(op.attributes["fn"]).value
        if fn not in (ALU_FNS if name == "cgra.alu" else MUL_FNS):
            return f"'{fn}' is not an operation of this unit"
        if len(operands) != ARITY[fn]:
            return f"{fn} takes {ARITY[fn]} operands, has {len(operands)}"
    if name in ("cgra.load", "cgra.gather", "cgra.store"):
        port, width = get_int(op, "port"), get_int(op, "width")
        if not 0 <= port < len(ports):
            return f"port {port} does not exist (the kernel has {len(ports)})"
        if (name == "cgra.store") != (port == out_port):
            return f"port {port} is {'an input' if port != out_port else 'the result'}: " \
                   f"{'stores go to the result' if name == 'cgra.store' else 'loads read operands'}"
        if width != _width(ports[port]):
            return f"width {width} on port {port}, whose elements are {_width(ports[port])} bytes"
    return None


def _is_imm(value) -> bool:
    owner = value.owner
    return not isinstance(owner, ir.Block) and owner.name == "cgra.imm"


BODY_OPS = ("cgra.imm", "cgra.alu", "cgra.mul", "cgra.load", "cgra.gather", "cgra.store")
_MEMORY_ATTRS = {"cgra.load": ("port", "width", "stride", "outer_stride", "period", "offset"),
                 "cgra.gather": ("port", "width"),
                 "cgra.store": ("port", "width", "stride", "outer_stride", "offset")}


# -- between the region and the dataflow graph --------------------------------------------------

def kernel_of(op) -> Kernel:
    """The kernel's dataflow graph, from its body region."""
    block = op.regions[0].blocks[0]
    body = list(block.operations)
    produced: list[tuple[Any, int]] = []  # (MLIR value, node index)
    imms: list[tuple[Any, int]] = []
    args = list(block.arguments)
    nodes: list[Node] = []

    def lookup(table, v):
        return next((i for w, i in table if w == v), None)

    for inner in body[:-1]:
        name = inner.operation.name
        if name == "cgra.imm":
            imms.append((inner.results[0], get_int(inner, "value")))
            continue
        node = Node(_fn(inner))
        for v in inner.operands:
            if lookup(imms, v) is not None:
                node.args.append((IMM, 0))
                node.imm = lookup(imms, v)
            elif v in args:
                node.args.append(("arg", args.index(v)))
            else:
                node.args.append((lookup(produced, v), 0))
        for key in _MEMORY_ATTRS.get(name, ()):
            setattr(node, key, get_int(inner, key))
        nodes.append(node)
        if inner.results:
            produced.append((inner.results[0], len(nodes) - 1))
    yielded = [lookup(produced, v) for v in body[-1].operands]
    for k, (src, init) in enumerate(zip(yielded, get_array(op, "inits"))):
        nodes[src].init = init
    for node in nodes:
        node.args = [(yielded[d], 1) if src == "arg" else (src, d) for src, d in node.args]
    return Kernel(ir.StringAttr(op.attributes["kernel_name"]).value, nodes, get_int(op, "outer"),
                  get_int(op, "inner"), _port_names(op))


def _fn(op) -> str:
    name = op.operation.name
    if name in ("cgra.alu", "cgra.mul"):
        return ir.StringAttr(op.attributes["fn"]).value
    if name == "cgra.store":
        return "store_last" if get_int(op, "last") else "store"
    return name.split(".")[1]


def _i64(v: int):
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))


def build_kernel(kernel: Kernel, operands: list, result_type, loc) -> KernelOp:
    """A cgra.kernel computing `kernel` on `operands` (at most three), inserted at the current
    insertion point."""
    carried = sorted({src for n in kernel.nodes for src, d in n.args if src is not IMM and d == 1})
    if any(d > 1 for n in kernel.nodes for _, d in n.args):
        raise ValueError(f"kernel {kernel.name}: recurrences of distance > 1 have no cgra form")
    ins = list(operands) + [None] * (3 - len(operands))
    op = KernelOp(*ins, kernel_name=ir.StringAttr.get(kernel.name), outer=_i64(kernel.outer),
                  inner=_i64(kernel.inner), inits=ir.DenseI64ArrayAttr.get([kernel.nodes[c].init for c in carried]),
                  output=result_type, loc=loc)
    word = ir.IntegerType.get_signless(32)
    block = op.regions[0].blocks.append(*[word] * len(carried))
    values = {}
    with ir.InsertionPoint(block), loc:
        for i, node in enumerate(kernel.nodes):
            args = []
            for src, d in node.args:
                if src is IMM:
                    args.append(ImmOp(_i64(node.imm), result=word).result)
                elif d == 1:
                    args.append(block.arguments[carried.index(src)])
                else:
                    args.append(values[src])
            values[i] = _build_node(node, args, word)
        YieldOp([values[c] for c in carried])
    return op


def _build_node(node: Node, args, word):
    fn = node.fn
    mem = {k: _i64(getattr(node, k)) for k in ("port", "width", "stride", "outer_stride", "period", "offset")}
    if fn in ALU_FNS:
        return AluOp(args, ir.StringAttr.get(fn), result=word).result
    if fn in MUL_FNS:
        return MulOp(args, ir.StringAttr.get(fn), result=word).result
    if fn == "load":
        return LoadOp(**mem, result=word).result
    if fn == "gather":
        return GatherOp(args[0], mem["port"], mem["width"], result=word).result
    del mem["period"]
    StoreOp(args[0], **mem, last=_i64(fn == "store_last"))
    return None
