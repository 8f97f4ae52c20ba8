"""convc-plan-memory: give every tensor an address in L1, L2 or DRAM.

- Constants (weight tiles, requantization parameters) are packed into DRAM, except for layers
  a `resident` rule selects: theirs are preloaded into the bottom of L2 when the stream loads
  (DATA segments) and stay there across inferences, out of reach of activation reuse.
- Network inputs and outputs live in DRAM, where the host reads and writes them.
- Intermediate activations live in the shared L2. Buffers are reused once every consumer of
  the previous tenant has run (liveness over program order, first-fit placement). Reuse across
  cores is a write-after-read hazard: the new producer records the ops it must wait for
  (`after`), and the schedule pass turns those into signal/wait pairs. Activations that do not
  fit L2 spill to DRAM.
- Outputs a never_leaves_core constraint keeps in a core (`keep_in_core`) live at the top of
  that core's L1 for the whole inference; the core's working sets are laid out below them.
- Each op's L1 working set (input, patches, accumulators, output, weight tile...) is laid out
  from the base of its core's L1; a core runs its ops in order, so ops on one core reuse L1.
Views alias their input's buffer: dpu.reshape all of it, dpu.slice a contiguous band of it.
"""

from math import prod

from convc.engines import engine_of
from convc.engines.base import align
from convc.errors import TargetFitError
from convc.ir.util import entry_func, op_name
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.passes.api import Pass
from convc.ir.attrs import get_int, nbytes as value_bytes, numel, tensor_shape
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops, is_view, l1_reserved, readers
from convc.ir.schema import AFTER, CONST, CORE, ID, KEEP_IN_CORE, L1, OUT_ADDR


class _Bump:
    def __init__(self, base: int, size: int):
        self.base, self.size, self.top = base, size, base

    def take(self, nbytes: int) -> int | None:
        if self.top + nbytes > self.base + self.size:
            return None
        addr, self.top = self.top, self.top + align(nbytes)
        return addr


class _FirstFit:
    """First-fit placement of live ranges in one memory, remembering who last used each byte."""

    def __init__(self, base: int, size: int):
        self.base, self.size = base, size
        self.live: list[tuple[int, int, int, list[int]]] = []   # (offset, size, end, readers)
        self.dead: list[tuple[int, int, list[int]]] = []         # (offset, size, readers)
        self.peak = 0

    def place(self, start: int, end: int, nbytes: int, readers: list[int]):
        for entry in [e for e in self.live if e[2] < start]:
            self.live.remove(entry)
            self.dead.append((entry[0], entry[1], entry[3]))
        nbytes = align(nbytes)
        offset = 0
        for off, size, _, _ in sorted(self.live):
            if offset + nbytes <= off:
                break
            offset = max(offset, off + size)
        if offset + nbytes > self.size:
            return None, []
        self.live.append((offset, nbytes, end, readers))
        self.peak = max(self.peak, offset + nbytes)
        hazards = sorted({r for off, size, rs in self.dead if off < offset + nbytes and offset < off + size
                          for r in rs})
        return self.base + offset, hazards


def _root(value):
    """(the value that owns `value`'s bytes, byte offset of `value` in it), through views."""
    offset = 0
    while is_view(value.owner):
        view = value.owner
        if op_name(view) == "dpu.slice":
            shape = tensor_shape(view.operands[0])
            axis = get_int(view, "axis")
            offset += get_int(view, "start") * prod(shape[axis + 1:])
        value = view.operands[0]
    return value, offset


def run(module_op, ctx) -> None:
    target = ctx.target
    func_op = entry_func(module_op)
    ops = engine_ops(module_op)
    dram = _Bump(target.dram.base, target.dram.size)
    resident = _Bump(target.l2.base, target.l2.size)

    for op in ops:  # constants
        constants = engine_of(op).constants(op)
        home = dram
        rule = rule_for(ctx, "resident", op) if constants else None
        if rule is not None:
            need = sum(align(len(blob)) for blob in constants.values())
            if resident.top + need <= resident.base + resident.size:
                home = resident
                set_source(op, "resident", rule)
            else:
                refuse(ctx, rule, f"the constants of layer '{layer_of(op).node}' ({need} bytes) do not fit "
                                  f"the {resident.base + resident.size - resident.top} bytes of L2 left", "DRAM")
        for name, blob in constants.items():
            addr = home.take(len(blob))
            if addr is None:
                raise TargetFitError(f"{describe(op)}: constants exceed {target.name}'s DRAM")
            CONST.set(op, name, addr)

    block = func_op.regions[0].blocks[0]
    in_addrs = [dram.take(numel(a)) for a in block.arguments]
    func_op.attributes["convc.input_addrs"] = ir.DenseI64ArrayAttr.get(in_addrs)
    ret = [op for op in block.operations if op_name(op) == "func.return"][0]
    outputs = {}
    for v in ret.operands:
        root, _ = _root(v)
        if root not in outputs and not isinstance(root.owner, ir.Block):
            outputs[root] = dram.take(numel(root))

    def address(value):
        root, offset = _root(value)
        base = in_addrs[root.arg_number] if isinstance(root.owner, ir.Block) else outputs.get(root)
        return (OUT_ADDR.get(root.owner) if base is None else base) + offset

    func_op.attributes["convc.output_addrs"] = ir.DenseI64ArrayAttr.get([address(v) for v in ret.operands])

    l2 = _FirstFit(resident.top, target.l2.base + target.l2.size - resident.top)
    reserved = [l1_reserved(ops, core) for core in range(target.cores)]
    kept_top = [target.l1_base(core) + target.l1_size(core) for core in range(target.cores)]
    spilled = l1_peak = 0
    for op in ops:
        result = op.results[0]
        if is_view(op):
            continue
        nbytes = value_bytes(result)
        core = KEEP_IN_CORE.get(op)
        if core is not None:  # stays in its core's L1, above every working set, never reused
            kept_top[core] -= align(nbytes)
            OUT_ADDR.set(op, kept_top[core])
        elif result in outputs:
            OUT_ADDR.set(op, outputs[result])
        else:
            reader_ids = [ID.get(r) for r in readers(result) if op_name(r) != "func.return"]
            start = ID.get(op)
            addr, hazards = l2.place(start, max(reader_ids, default=start), nbytes, reader_ids)
            if addr is None:
                addr, hazards = dram.take(nbytes), []
                spilled += nbytes
                if addr is None:
                    raise TargetFitError(f"{describe(op)}: its {nbytes}-byte result fits neither L2 nor DRAM")
            OUT_ADDR.set(op, addr)
            AFTER.set(op, [h for h in hazards if h != start])
        l1_peak = max(l1_peak, _plan_l1(op, target, reserved[CORE.get(op)]))

    for op in ops:  # views point into their root's buffer
        if is_view(op):
            OUT_ADDR.set(op, address(op.results[0]))
    ctx.info.update(l1_peak_bytes=l1_peak, l2_peak_bytes=l2.peak, dram_bytes=dram.top - dram.base,
                    dram_spill_bytes=spilled)
    if resident.top > resident.base:
        ctx.info["l2_resident_bytes"] = resident.top - resident.base


def _plan_l1(op, target, reserved):
    core = CORE.get(op)
    base = target.l1_base(core)
    offset = 0
    for name, size in engine_of(op).l1_buffers(op, target, core):
        L1.set(op, name, base + offset)
        offset += align(size)
    if offset > target.l1_size(core) - reserved:
        raise TargetFitError(f"{describe(op)} needs {offset} bytes of L1, but {target.name}'s L1 holds "
                             f"{target.l1_size(core)}"
                             + (f" ({reserved} of them kept for tensors that never leave the core)" if reserved else ""))
    return offset


PASS = Pass("convc-plan-memory", run, "Assign DRAM/L2/L1 addresses with liveness-based L2 reuse")

