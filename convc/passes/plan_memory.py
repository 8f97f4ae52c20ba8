"""convc-plan-memory: give every tensor an address in L1, L2 or DRAM.

- Constants (weight tiles, requantization parameters) are packed into DRAM, each distinct blob
  once (the copies of a replicated layer read the same weights), except for layers
  a `resident` rule selects: theirs are preloaded into the bottom of L2 when the stream loads
  (DATA segments) and stay there across inferences, out of reach of activation reuse.
- Network inputs and outputs live in DRAM, where the host reads and writes them.
- Intermediate activations live in the shared L2. Buffers are reused once every consumer of
  the previous tenant has run (liveness over program order, first-fit placement). Reuse across
  cores is a write-after-read hazard: the new producer records the ops it must wait for
  (`after`), and the schedule pass turns those into signal/wait pairs. Under the throughput
  objective each core's own tensors get an arena of their own (passes/l2_plan.py), so the
  cores' sub-batches never wait for each other over reused bytes. Activations that do not
  fit L2 spill to DRAM.
- Outputs a never_leaves_core constraint keeps in a core (`keep_in_core`) live at the top of
  that core's L1 for the whole inference; the core's working sets are laid out below them.
- Each op's L1 working set (input, patches, accumulators, output, weight tile...) is laid out
  from the base of its core's L1; a core runs its ops in order, so ops on one core reuse L1.
Views alias their input's buffer: dpu.reshape all of it, dpu.slice a contiguous band of it.
"""

from math import prod

from convc.engines import engine_of
from convc.engines.base import align, l1_bytes, l1_layout
from convc.errors import TargetFitError
from convc.ir.util import entry_func, op_name
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.passes.api import Pass, objective_of
from convc.passes.l2_plan import place_activations
from convc.ir.attrs import get_int, nbytes as value_bytes, numel, tensor_shape
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops, is_view, l1_reserved
from convc.ir.schema import AFTER, CONST, CORE, ID, KEEP_IN_CORE, L1, OUT_ADDR, SOURCE


class _Bump:
    def __init__(self, base: int, size: int):
        self.base, self.size, self.top = base, size, base

    def take(self, nbytes: int) -> int | None:
        if self.top + nbytes > self.base + self.size:
            return None
        addr, self.top = self.top, self.top + align(nbytes)
        return addr


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

    placed = {}  # (memory, blob) -> address: replicas' identical weights are stored once
    for op in ops:  # constants
        constants = engine_of(op).constants(op)
        home = dram
        rule = rule_for(ctx, "resident", op) if constants else None
        chosen = constants and rule is None and SOURCE.has(op, "resident")  # convc-keep-resident's choice
        if rule is not None or chosen:
            need = sum(align(len(blob)) for blob in constants.values() if (id(resident), blob) not in placed)
            if resident.top + need <= resident.base + resident.size:
                home = resident
                if rule is not None:
                    set_source(op, "resident", rule)
            elif chosen:
                SOURCE.member("resident").delete(op)
                ctx.warnings.append(f"{describe(op)}: its constants ({need} bytes) no longer fit the L2 left "
                                    f"after tiling; they stay in DRAM")
            else:
                refuse(ctx, rule, f"the constants of layer '{layer_of(op).node}' ({need} bytes) do not fit "
                                  f"the {resident.base + resident.size - resident.top} bytes of L2 left", "DRAM")
        for name, blob in constants.items():
            addr = placed.get((id(home), blob))
            if addr is None:
                addr = home.take(len(blob))
                if addr is None:
                    raise TargetFitError(f"{describe(op)}: constants exceed {target.name}'s DRAM")
                placed[(id(home), blob)] = addr
            CONST.set(op, name, addr)

    block = func_op.regions[0].blocks[0]
    in_addrs = [dram.take(numel(a)) for a in block.arguments]
    func_op.attributes["convc.input_addrs"] = ir.DenseI64ArrayAttr.get(in_addrs)
    ret = _return_op(func_op)
    outputs = {root: dram.take(numel(root)) for root in output_roots(func_op)}

    def address(value):
        root, offset = _root(value)
        base = in_addrs[root.arg_number] if isinstance(root.owner, ir.Block) else outputs.get(root)
        return (OUT_ADDR.get(root.owner) if base is None else base) + offset

    func_op.attributes["convc.output_addrs"] = ir.DenseI64ArrayAttr.get([address(v) for v in ret.operands])

    tenants = [op for op in ops if not is_view(op) and KEEP_IN_CORE.get(op) is None and op.results[0] not in outputs]
    l2, l2_peak = place_activations(tenants, resident.top, target.l2.base + target.l2.size - resident.top,
                                    CORE.get, arenas=objective_of(module_op).kind == "throughput")
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
            addr, hazards = l2[op]
            if addr is None:
                addr, hazards = dram.take(nbytes), []
                spilled += nbytes
                if addr is None:
                    raise TargetFitError(f"{describe(op)}: its {nbytes}-byte result fits neither L2 nor DRAM")
            OUT_ADDR.set(op, addr)
            AFTER.set(op, [h for h in hazards if h != ID.get(op)])
        l1_peak = max(l1_peak, _plan_l1(op, target, reserved[CORE.get(op)]))

    for op in ops:  # views point into their root's buffer
        if is_view(op):
            OUT_ADDR.set(op, address(op.results[0]))
    ctx.info.update(l1_peak_bytes=l1_peak, l2_peak_bytes=l2_peak, dram_bytes=dram.top - dram.base,
                    dram_spill_bytes=spilled)
    if resident.top > resident.base:
        ctx.info["l2_resident_bytes"] = resident.top - resident.base


def _return_op(func_op):
    return [op for op in func_op.regions[0].blocks[0].operations if op_name(op) == "func.return"][0]


def output_roots(func_op) -> list:
    """The values that own the bytes of the network outputs (they live in DRAM), in order."""
    roots = []
    for v in _return_op(func_op).operands:
        root, _ = _root(v)
        if root not in roots and not isinstance(root.owner, ir.Block):
            roots.append(root)
    return roots


def activation_peak(module_op, size: int, core_of=None) -> int:
    """Bytes of L2 the activations will take as run() plans them, in a memory of `size`
    bytes (what does not fit counts as spilled, not as peak), ops numbered; `core_of(op)` is
    the core each op is expected on, or None (then one shared first fit). For passes that
    budget L2 before the plan."""
    ops = engine_ops(module_op)
    outputs = set(output_roots(entry_func(module_op)))
    tenants = [op for op in ops if not is_view(op) and op.results[0] not in outputs]
    return place_activations(tenants, 0, size, core_of, arenas=core_of is not None)[1]


def _plan_l1(op, target, reserved):
    core = CORE.get(op)
    base = target.l1_base(core)
    buffers = engine_of(op).l1_buffers(op, target, core)
    for name, offset in l1_layout(buffers).items():
        L1.set(op, name, base + offset)
    offset = l1_bytes(buffers)
    if offset > target.l1_size(core) - reserved:
        raise TargetFitError(f"{describe(op)} needs {offset} bytes of L1, but {target.name}'s L1 holds "
                             f"{target.l1_size(core)}"
                             + (f" ({reserved} of them kept for tensors that never leave the core)" if reserved else ""))
    return offset


PASS = Pass("convc-plan-memory", run, "Assign DRAM/L2/L1 addresses with liveness-based L2 reuse")

