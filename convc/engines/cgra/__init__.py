"""The CGRA: virtual cores of a Blocks-style coarse-grained reconfigurable array.

Each core of a target with a `[cores.engines.cgra]` table is one virtual core: functional units
carved from the fabric that run one modulo-scheduled loop at a time. During allocation the
engine takes the ops it has a kernel generator for — element-wise ops as one kernel
(kernels.py), softmax and layer norm as a chain of them (row_kernels.py, steps.py) — priced
from the kernels it would build; convc-materialize-kernels then replaces each op it won by its
`cgra.kernel`s, whose body regions are the kernels (dialects/cgra.py). convc-tile schedules
each body on the virtual core (scheduler.py, recorded in `convc.cgra_schedule`) and picks L1
chunks; emission (launch.py) loads the configuration (encode.py) unless the core already holds
the same one, copies whole ports, streams the others through L1 in chunks and launches the loop
once per chunk.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np

from convc.dialects.cgra import build_kernel, kernel_of
from convc.dialects.cgra_dfg import Kernel
from convc.engines.base import Engine, l1_bytes
from convc.engines.cgra.encode import config_blob
from convc.engines.cgra.kernels import ELEMENTWISE, NoKernel, elementwise_kernel
from convc.engines.cgra.launch import buffers, emit_kernel, fit_chunk, levels
from convc.engines.cgra.row_kernels import ROW_OPS, row_steps
from convc.engines.cgra.scheduler import Schedule, schedule
from convc.engines.cgra.steps import FromConstant, FromOperand, FromStep, Step, single
from convc.errors import TargetFitError
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import element_width, numel
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import CGRA_SCHEDULE, ELEMENTS, PREFIX
from convc.ir.util import dense_constant, is_constant

# Schedules by (kernel body, virtual core): ops with the same parameters share one schedule,
# and so one configuration (reconfiguration between them is skipped).
_SCHEDULES: dict[tuple[bytes, str], Schedule | Exception] = {}


def _scheduled(kernel: Kernel, spec) -> Schedule:
    key = (hashlib.sha256(repr([vars(n) for n in kernel.nodes]).encode()).digest(), repr(spec))
    if key not in _SCHEDULES:
        try:
            _SCHEDULES[key] = schedule(kernel, spec)
        except TargetFitError as e:
            _SCHEDULES[key] = e
    found = _SCHEDULES[key]
    if isinstance(found, Exception):
        raise found
    return found


def _width(value) -> int:
    return element_width(value) // 8


def _sizes(op, step: Step) -> list[tuple[int, int]]:
    """(elements, bytes per element) of each of the step's ports."""
    sizes = []
    for ref in step.reads:
        if isinstance(ref, FromOperand):
            sizes.append((numel(op.operands[ref.index]), _width(op.operands[ref.index])))
        elif isinstance(ref, FromConstant):
            sizes.append((ref.values.size, 4))
        else:
            sizes.append((0, 4))  # filled below from the earlier step's shape
    return sizes + [(numel(op.results[0]), _width(op.results[0])) if step.shape is None
                    else (int(np.prod(step.shape)), 4)]


class CgraEngine(Engine):
    kind = "cgra"
    ops = (*ELEMENTWISE, *ROW_OPS, "cgra.kernel")

    # -- the kernels and their schedules ----------------------------------------------------
    def steps(self, op) -> list[Step]:
        """The op's chain of kernels: its body once materialized, else the generated ones."""
        name = op.operation.name
        if name == "cgra.kernel":
            return single(kernel_of(op), len(op.operands))
        if name in ROW_OPS:
            return row_steps(op)
        return single(elementwise_kernel(op), len(op.operands))

    def _chain(self, op, target, core) -> list[tuple[Step, Schedule, list]]:
        """Each step with its schedule (the one convc-tile recorded, or the one on `core`) and
        its port sizes."""
        steps = self.steps(op)
        if CGRA_SCHEDULE.has(op):
            scheds = [Schedule.from_ints(CGRA_SCHEDULE.get(op))]
        else:
            scheds = [_scheduled(s.kernel, target.engines(core)["cgra"]) for s in steps]
        chain = []
        for step, sched in zip(steps, scheds):
            sizes = _sizes(op, step)
            for k, ref in enumerate(step.reads):
                if isinstance(ref, FromStep):
                    sizes[k] = chain[ref.index][2][-1]
            chain.append((step, sched, sizes))
        return chain

    def refusal(self, op, target, core):
        try:
            self._chain(op, target, core)
        except (NoKernel, TargetFitError) as e:
            return str(e)
        return None

    def materialize(self, op) -> None:
        if op.operation.name == "cgra.kernel":
            return
        i32 = ir.IntegerType.get_signless(32)
        results = []
        with ir.InsertionPoint(op), op.location:
            for step in self.steps(op):
                operands = [op.operands[r.index] if isinstance(r, FromOperand) else
                            results[r.index] if isinstance(r, FromStep) else dense_constant(r.values)
                            for r in step.reads]
                result_type = op.results[0].type if step.shape is None else ir.RankedTensorType.get(step.shape, i32)
                new = build_kernel(step.kernel, operands, result_type, op.location)
                for i in range(len(op.operation.attributes)):
                    attr = op.operation.attributes[i]
                    if attr.name.startswith(PREFIX):
                        new.operation.attributes[attr.name] = attr.attr
                results.append(new.results[0])
        op.results[0].replace_all_uses_with(results[-1])
        op.operation.erase()

    # -- memory ----------------------------------------------------------------------------
    def constants(self, op):
        [(step, sched, _)] = self._chain(op, None, None)
        blobs = {"config": config_blob(step.kernel, sched)}
        for k, v in enumerate(op.operands):
            if is_constant(v):
                dtype = np.int8 if _width(v) == 1 else np.dtype("<i4")
                blobs[f"port{k}"] = const_value(v.owner).astype(dtype).tobytes()
        return blobs

    def _chunk(self, op, step, sched, sizes, room) -> int:
        if op.operation.name == "cgra.kernel" and CGRA_SCHEDULE.has(op):
            return ELEMENTS.get(op) or levels(step.kernel)  # convc-tile's choice
        return fit_chunk(step.kernel, len(config_blob(step.kernel, sched)), sizes, room)

    def l1_buffers(self, op, target, core, m_block=None):
        """The working set of the op's largest step at its chunk (`m_block` overrides it)."""
        found = []
        for step, sched, sizes in self._chain(op, target, core):
            chunk = m_block or self._chunk(op, step, sched, sizes, target.l1_size(core))
            found.append(buffers(step.kernel, len(config_blob(step.kernel, sched)), sizes, chunk))
        return max(found, key=l1_bytes)

    def tile(self, op, target, core, room, wanted=None):
        """Records the schedule on this virtual core (within a `cgra` statement's budget of
        its units, `wanted`) and, when the op does not fit L1 whole, the largest chunk of
        rows (or of iterations of a one-level loop) that does."""
        spec = target.engines(core)["cgra"]
        refused = None
        CGRA_SCHEDULE.delete(op)
        ELEMENTS.delete(op)
        try:
            [(step, sched, sizes)] = self._chain(op, target, core)
            if wanted:
                why, budgeted = self._within(step.kernel, spec, wanted)
                sched = budgeted or sched
                refused = (why, "the whole virtual core") if why else None
        except TargetFitError as e:
            raise TargetFitError(f"{describe(op)} on core {core}: {e}") from None
        chunk = fit_chunk(step.kernel, len(config_blob(step.kernel, sched)), sizes, room)
        CGRA_SCHEDULE.set(op, sched.to_ints())
        if chunk < levels(step.kernel):
            ELEMENTS.set(op, chunk)
        return refused

    def _within(self, kernel, spec, budget: dict):
        """(why not, None) or (None, the schedule) of the kernel on `budget` units."""
        over = [f"{k} {v} > {getattr(spec, k)}" for k, v in budget.items() if v > getattr(spec, k)]
        if over:
            return f"the budget exceeds the virtual core ({', '.join(over)})", None
        try:
            sched = _scheduled(kernel, replace(spec, **budget))
        except TargetFitError as e:
            return str(e), None
        return None, sched.on(spec)

    # -- commands --------------------------------------------------------------------------
    def cost(self, op, target, core, outputs=frozenset()):
        need = l1_bytes(self.l1_buffers(op, target, core))
        if need > target.l1_size(core):
            raise TargetFitError(f"{describe(op)} needs {need} bytes of L1, but {target.name}'s L1 holds "
                                 f"{target.l1_size(core)}")
        return self._price(op, target, core, outputs)

    def emit(self, op, em):
        state = em.state(self.kind)
        room = em.target.l1_size(em.core)
        done = []
        for step, sched, sizes in self._chain(op, em.target, em.core):
            sources = []
            for k, ref in enumerate(step.reads):
                if isinstance(ref, FromOperand):
                    v = op.operands[ref.index]
                    sources.append(em.const(f"port{k}") if is_constant(v) else em.addr(v))
                elif isinstance(ref, FromConstant):  # only before materialization: a price
                    sources.append(em.const(f"port{k}"))
                else:
                    sources.append(done[ref.index])
            out = em.addr(op.results[0]) if step.shape is None else em.target.l2.base  # ditto
            sources.append(out)
            done.append(out)
            emit_kernel(em, state, step.kernel, sched, em.const("config"), sources, sizes,
                        self._chunk(op, step, sched, sizes, room))

    def report_lines(self, rows):
        rows = [row for row in rows if "ii" in row]  # scheduled kernels (convc-tile ran)
        if not rows:
            return []
        lines = ["", "CGRA kernels (virtual core = core; MII = max(ResMII, RecMII); utilisation = share of unit slots):"]
        for row in rows:
            util = " ".join(f"{t} {u:.2f}" for t, u in row["utilisation"].items())
            lines.append(f"  {row['id']:>3} {row['kernel']:<8} core {row['core']}: {row['nodes']} ops, MII {row['mii']} "
                         f"(ResMII {row['res_mii']}, RecMII {row['rec_mii']}), II {row['ii']}, {util}; "
                         f"{row['trips']} trips, {row['kernel_cycles']} cycles")
        return lines

    def describe(self, op):
        if not CGRA_SCHEDULE.has(op):
            return {}
        [(step, sched, _)] = self._chain(op, None, None)
        kernel = step.kernel
        return {"kernel": kernel.name, "nodes": len(kernel.nodes), "ii": sched.ii, "mii": sched.mii,
                "res_mii": sched.res_mii, "rec_mii": sched.rec_mii, "utilisation": sched.utilisation(kernel),
                "trips": kernel.outer * kernel.inner,
                "kernel_cycles": kernel.outer * ((kernel.inner - 1) * sched.ii + sched.length)}

