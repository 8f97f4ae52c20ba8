"""The CGRA: virtual cores of a Blocks-style coarse-grained reconfigurable array.

Each core of a target with a `[cores.engines.cgra]` table is one virtual core: functional units
carved from the fabric that run one modulo-scheduled loop at a time. The engine takes the ops
it has a kernel generator for (kernels.py), builds the kernel's dataflow graph, schedules it
on the virtual core (scheduler.py) and emits the configuration (encode.py), its
reconfiguration (skipped when the core already holds the same configuration) and the launch:
one element per iteration, in L1-sized chunks. The cost model prices exactly those commands,
so the allocator puts work here when the CGRA finishes first, or when it is the only engine
besides the host that can run it.
"""
from __future__ import annotations

import hashlib

from convc.engines.base import Engine, l1_bytes
from convc.engines.cgra.dfg import Kernel
from convc.engines.cgra.encode import config_blob
from convc.engines.cgra.kernels import ELEMENTWISE, NoKernel, elementwise_kernel
from convc.engines.cgra.scheduler import Schedule, schedule
from convc.errors import TargetFitError
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import numel
from convc.ir.schema import CGRA_SCHEDULE, ELEMENTS
from convc.ir.util import is_constant
from convc.runtime.units.cgra import CGRA_CONFIGURE, CGRA_LAUNCH
from convc.runtime.units.cgra_config import PORTS

import numpy as np


def _has_rhs(op) -> bool:
    return op.operation.name in ("dpu.add", "dpu.mul")


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


class CgraEngine(Engine):
    kind = "cgra"
    ops = ELEMENTWISE

    # -- the kernel and its schedule --------------------------------------------------------
    def kernel(self, op) -> Kernel:
        return elementwise_kernel(op)

    def scheduled(self, op, spec) -> tuple[Kernel, Schedule]:
        kernel = self.kernel(op)
        return kernel, _scheduled(kernel, spec)

    def schedule_of(self, op) -> tuple[Kernel, Schedule]:
        """The kernel and the schedule convc-tile recorded on the op."""
        return self.kernel(op), Schedule.from_ints(CGRA_SCHEDULE.get(op))

    def refusal(self, op, target, core):
        try:
            self.scheduled(op, target.engines(core)["cgra"])
        except (NoKernel, TargetFitError) as e:
            return str(e)
        return None

    # -- memory ----------------------------------------------------------------------------
    def constants(self, op):
        kernel, sched = self.schedule_of(op)
        blobs = {"config": config_blob(kernel, sched)}
        if op.operation.name == "dpu.lut":
            blobs["table"] = const_value(op.operands[1].owner).astype(np.int8).tobytes()
        if _has_rhs(op) and is_constant(op.operands[1]):
            blobs["rhs"] = const_value(op.operands[1].owner).astype(np.int8).tobytes()
        return blobs

    def _config_bytes(self, op, target, core) -> int:
        if CGRA_SCHEDULE.has(op):
            return len(config_blob(*self.schedule_of(op)))
        return len(config_blob(*self.scheduled(op, target.engines(core)["cgra"])))

    def l1_buffers(self, op, target, core, m_block=None):
        n = numel(op.output)
        chunk = m_block or ELEMENTS.get(op) or n
        bufs = [("config", self._config_bytes(op, target, core)), ("input", chunk)]
        if _has_rhs(op):
            b_len = numel(op.operands[1])
            bufs.append(("rhs", chunk if b_len == n else b_len))
        if op.operation.name == "dpu.lut":
            bufs.append(("table", 256))
        return bufs + [("output", chunk)]

    def tile(self, op, target, core, room, wanted=None):
        """Records the schedule on this virtual core and, when the op does not fit L1 whole,
        the largest chunk that does (a multiple of a broadcast rhs)."""
        _, sched = self.scheduled(op, target.engines(core)["cgra"])
        CGRA_SCHEDULE.set(op, sched.to_ints())
        ELEMENTS.delete(op)
        n = numel(op.output)
        unit = numel(op.operands[1]) if _has_rhs(op) and numel(op.operands[1]) != n else 1
        chunk = n
        while chunk > unit and l1_bytes(self.l1_buffers(op, target, core, m_block=chunk)) > room:
            chunk = max(unit, (chunk // 2) // unit * unit)
        if chunk < n:
            ELEMENTS.set(op, chunk)
        return None

    # -- commands --------------------------------------------------------------------------
    def emit(self, op, em):
        if CGRA_SCHEDULE.has(op):
            kernel, sched = self.schedule_of(op)
        else:  # priced before convc-tile chose the core's schedule
            kernel, sched = self.scheduled(op, em.target.engines(em.core)["cgra"])
        blob = config_blob(kernel, sched)
        state = em.state(self.kind)
        if state.get("config") != blob:  # the same configuration stays loaded
            em.copy(em.const("config"), em.l1("config"), len(blob))
            em.cmd(CGRA_CONFIGURE, src=em.l1("config"), words=len(blob) // 4, ii=sched.ii, length=sched.length)
            state["config"] = blob
        n = numel(op.output)
        chunk = ELEMENTS.get(op) or n
        second = None
        if _has_rhs(op):
            rhs = op.operands[1]
            b_len = numel(rhs)
            src = em.const("rhs") if is_constant(rhs) else em.addr(rhs)
            second = ("rhs", b_len, src, b_len == n)
            if b_len != n:
                em.copy(src, em.l1("rhs"), b_len)
        if op.operation.name == "dpu.lut":
            em.copy(em.const("table"), em.l1("table"), 256)
            second = ("table", 256, None, False)
        for off in range(0, n, chunk):
            size = min(chunk, n - off)
            em.copy(em.addr(op.operands[0]) + off, em.l1("input"), size)
            ports = [(em.l1("input"), size)]
            if second is not None:
                name, length, src, chunked = second
                if chunked:
                    em.copy(src + off, em.l1(name), size)
                ports.append((em.l1(name), size if chunked else length))
            ports.append((em.l1("output"), size))
            ports += [(0, 0)] * (PORTS - len(ports))
            fields = {f"p{k}": a for k, (a, _) in enumerate(ports)} | {f"n{k}": b for k, (_, b) in enumerate(ports)}
            written = 1 << (len(kernel.ports) - 1)
            em.cmd(CGRA_LAUNCH, written, outer=1, inner=size, **fields)
            em.copy(em.l1("output"), em.addr(op.output) + off, size)

    def describe(self, op):
        if not CGRA_SCHEDULE.has(op):
            return {}
        kernel, sched = self.schedule_of(op)
        n = numel(op.output)
        return {"kernel": kernel.name, "nodes": len(kernel.nodes), "ii": sched.ii, "mii": sched.mii,
                "res_mii": sched.res_mii, "rec_mii": sched.rec_mii, "utilisation": sched.utilisation(kernel),
                "trips": n, "kernel_cycles": (n - 1) * sched.ii + sched.length}

