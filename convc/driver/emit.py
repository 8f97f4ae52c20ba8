"""Emission: the fully planned engine-dialect function → a command stream.

Every address, core and event was decided by the passes and is read back from attributes here;
the engines' models generate each op's commands. Per op, in its core's queue: weight prefetch
(IMC), waits for other cores' events, the op's own commands, then its signal.
"""

from convc.engines import engine_of
from convc.driver.layer_facts import memory_facts
from convc.ir.locations import node_name
from convc.ir.util import entry_func, op_name
from convc.ir.mlir import ir
from convc.passes.engine_ops import engine_ops
from convc.runtime.builder import StreamBuilder
from convc.runtime.stream import Op, Stream
from convc.passes.api import objective_of
from convc.ir.schema import CONST, CORE, ID, L1, OUT_ADDR, SIGNAL, WAITS
from convc.engines.base import Emitter


class StreamEmitter(Emitter):
    """Emits into the stream's per-core queues at the addresses the passes planned."""

    def __init__(self, target, builder: StreamBuilder, func_op):
        super().__init__(target)
        self.builder = builder
        self.input_addrs = list(func_op.attributes["convc.input_addrs"])

    def cmd(self, opcode: Op, flags: int = 0, **fields) -> None:
        self.builder.emit(self.core, opcode, flags, **fields)

    def l1(self, name: str) -> int:
        return L1.get(self.op, name)

    def const(self, name: str) -> int:
        return CONST.get(self.op, name)

    def addr(self, value) -> int:
        if isinstance(value.owner, ir.Block):
            return self.input_addrs[value.arg_number]
        return OUT_ADDR.get(value.owner)


def emit_stream(module, target, model_name: str, output_names: list[str]) -> Stream:
    module_op = module.operation
    func_op = entry_func(module_op)
    b = StreamBuilder(target.name, target.cores, model_name)
    block = func_op.regions[0].blocks[0]
    scales = [ir.FloatAttr(a).value for a in func_op.attributes["convc.input_scales"]]
    zps = list(func_op.attributes["convc.input_zps"])
    names = [ir.StringAttr(a).value for a in func_op.attributes["convc.input_names"]]
    for arg, name, addr, s, z in zip(block.arguments, names, list(func_op.attributes["convc.input_addrs"]), scales, zps):
        b.input(name, list(arg.type.shape), addr, s, z)
    ret = [op for op in block.operations if op_name(op) == "func.return"][0]
    out_scales = [ir.FloatAttr(a).value for a in func_op.attributes["convc.output_scales"]]
    out_zps = list(func_op.attributes["convc.output_zps"])
    out_addrs = list(func_op.attributes["convc.output_addrs"])
    for v, name, addr, s, z in zip(ret.operands, output_names, out_addrs, out_scales, out_zps):
        b.output(name, list(v.type.shape), addr, s, z)

    em = StreamEmitter(target, b, func_op)
    layers = []
    written = {}  # address -> blob: convc-plan-memory stores identical blobs once
    for op in engine_ops(module_op):
        engine = engine_of(op)
        for name, blob in engine.constants(op).items():
            addr = CONST.get(op, name)
            if addr in written:
                assert written[addr] == blob, f"two different constants planned at {addr:#x}"
                continue
            written[addr] = blob
            b.data(addr, blob)
        core = CORE.get(op)
        first = len(b.stream.queues.get(core, []))
        em.bind(op, core)
        engine.emit_prefetch(op, em)
        for event in WAITS.get(op, []):
            em.cmd(Op.WAIT, event=event)
        engine.emit(op, em)
        if SIGNAL.get(op):
            em.cmd(Op.SIGNAL, event=ID.get(op))
        count = len(b.stream.queues.get(core, [])) - first
        if count:
            layers.append({"id": ID.get(op), "node": node_name(op.location), "engine": engine.kind,
                           "core": core, "first": first, "count": count, **memory_facts(op, target)})
    # Which commands each layer emitted: debug information for traces and reports (the
    # runtime names a trace's spans with it; executing the stream never reads it).
    b.stream.meta["layers"] = layers
    goal = objective_of(module_op)
    if goal.batch > 1:  # frames stacked on axis 0 of every input and output (`convc run` groups them)
        b.stream.meta["batch"] = goal.batch
    return b.build()
