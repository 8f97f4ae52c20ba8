"""The CGRA: virtual cores of a Blocks-style coarse-grained reconfigurable array.

Each core of a target with a `[cores.engines.cgra]` table is one virtual core: functional units
carved from the fabric that run one modulo-scheduled loop at a time. During allocation the
engine takes the ops it has a kernel generator for (kernels.py), priced from the kernel it
would build; convc-materialize-kernels then replaces each op it won by a `cgra.kernel` whose
body region is that kernel (dialects/cgra.py). convc-tile schedules the body on the virtual
core (scheduler.py, recorded in `convc.cgra_schedule`) and picks L1 chunks; emission loads the
configuration (encode.py) unless the core already holds the same one, copies resident ports
(tables, broadcast operands) whole, streams the others through L1 in chunks and launches the
loop once per chunk.
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
from convc.engines.cgra.scheduler import Schedule, schedule
from convc.errors import TargetFitError
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import element_width, numel
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import CGRA_SCHEDULE, ELEMENTS, PREFIX
from convc.ir.util import is_constant
from convc.runtime.units.cgra import CGRA_CONFIGURE, CGRA_LAUNCH
from convc.runtime.units.cgra_config import PORTS

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


def _ports(op) -> list:
    """The kernel's memory windows: the op's operands, then its result."""
    return [*op.operands, op.results[0]]


def _width(value) -> int:
    return element_width(value) // 8


def _streamed(kernel: Kernel, port: int) -> bool:
    """Whether the port is read or written one element per iteration in order, so it can
    stream through L1 in chunks; other ports (tables, broadcast operands) stay whole."""
    users = [n for n in kernel.nodes if n.fn in ("load", "gather", "store", "store_last") and n.port == port]
    return kernel.outer == 1 and bool(users) and all(
        n.fn in ("load", "store") and (n.stride, n.period, n.offset, n.outer_stride) == (1, 0, 0, 0) for n in users)


class CgraEngine(Engine):
    kind = "cgra"
    ops = (*ELEMENTWISE, "cgra.kernel")

    # -- the kernel and its schedule --------------------------------------------------------
    def kernel(self, op) -> Kernel:
        """The op's loop kernel: its body region once materialized, else the generated one."""
        return kernel_of(op) if op.operation.name == "cgra.kernel" else elementwise_kernel(op)

    def scheduled(self, op, spec) -> tuple[Kernel, Schedule]:
        kernel = self.kernel(op)
        return kernel, _scheduled(kernel, spec)

    def _current(self, op, target, core) -> tuple[Kernel, Schedule]:
        """The schedule convc-tile recorded, or (while allocation prices) the one on `core`."""
        if CGRA_SCHEDULE.has(op):
            return self.kernel(op), Schedule.from_ints(CGRA_SCHEDULE.get(op))
        return self.scheduled(op, target.engines(core)["cgra"])

    def refusal(self, op, target, core):
        try:
            self.scheduled(op, target.engines(core)["cgra"])
        except (NoKernel, TargetFitError) as e:
            return str(e)
        return None

    def materialize(self, op) -> None:
        if op.operation.name == "cgra.kernel":
            return
        with ir.InsertionPoint(op), op.location:
            new = build_kernel(self.kernel(op), list(op.operands), op.results[0].type, op.location)
        for i in range(len(op.operation.attributes)):
            attr = op.operation.attributes[i]
            if attr.name.startswith(PREFIX):
                new.operation.attributes[attr.name] = attr.attr
        op.results[0].replace_all_uses_with(new.results[0])
        op.operation.erase()

    # -- memory ----------------------------------------------------------------------------
    def constants(self, op):
        kernel, sched = self.kernel(op), Schedule.from_ints(CGRA_SCHEDULE.get(op))
        blobs = {"config": config_blob(kernel, sched)}
        for k, v in enumerate(op.operands):
            if is_constant(v):
                dtype = np.int8 if _width(v) == 1 else np.dtype("<i4")
                blobs[f"port{k}"] = const_value(v.owner).astype(dtype).tobytes()
        return blobs

    def l1_buffers(self, op, target, core, m_block=None):
        kernel, sched = self._current(op, target, core)
        chunk = m_block or ELEMENTS.get(op) or kernel.inner
        bufs = [("config", len(config_blob(kernel, sched)))]
        for k, v in enumerate(_ports(op)):
            bufs.append((f"port{k}", (chunk if _streamed(kernel, k) else numel(v)) * _width(v)))
        return bufs

    def tile(self, op, target, core, room, wanted=None):
        """Records the schedule on this virtual core (within a `cgra` statement's budget of
        its units, `wanted`) and, when the op does not fit L1 whole, the largest chunk of
        iterations that does (kernels of one loop level only)."""
        spec = target.engines(core)["cgra"]
        refused = None
        try:
            kernel, sched = self.scheduled(op, spec)
            if wanted:
                why, budgeted = self._within(op, spec, wanted)
                sched = budgeted or sched
                refused = (why, "the whole virtual core") if why else None
        except TargetFitError as e:
            raise TargetFitError(f"{describe(op)} on core {core}: {e}") from None
        CGRA_SCHEDULE.set(op, sched.to_ints())
        ELEMENTS.delete(op)
        chunk = kernel.inner
        if kernel.outer == 1:
            while chunk > 1 and l1_bytes(self.l1_buffers(op, target, core, m_block=chunk)) > room:
                chunk = (chunk + 1) // 2
        if chunk < kernel.inner:
            ELEMENTS.set(op, chunk)
        return refused

    def _within(self, op, spec, budget: dict):
        """(why not, None) or (None, the schedule) of the op's kernel on `budget` units."""
        over = [f"{k} {v} > {getattr(spec, k)}" for k, v in budget.items() if v > getattr(spec, k)]
        if over:
            return f"the budget exceeds the virtual core ({', '.join(over)})", None
        try:
            kernel, sched = self.scheduled(op, replace(spec, **budget))
        except TargetFitError as e:
            return str(e), None
        return None, sched.on(spec)

    # -- commands --------------------------------------------------------------------------
    def emit(self, op, em):
        kernel, sched = self._current(op, em.target, em.core)
        blob = config_blob(kernel, sched)
        state = em.state(self.kind)
        if state.get("config") != blob:  # the same configuration stays loaded
            em.copy(em.const("config"), em.l1("config"), len(blob))
            em.cmd(CGRA_CONFIGURE, src=em.l1("config"), words=len(blob) // 4, ii=sched.ii, length=sched.length)
            state["config"] = blob
        ports = _ports(op)
        out = len(ports) - 1
        src = [em.const(f"port{k}") if is_constant(v) else em.addr(v) for k, v in enumerate(ports)]
        streamed = [_streamed(kernel, k) for k in range(len(ports))]
        for k, v in enumerate(ports[:out]):
            if not streamed[k]:
                em.copy(src[k], em.l1(f"port{k}"), numel(v) * _width(v))
        chunk = ELEMENTS.get(op) or kernel.inner
        for first in range(0, kernel.inner, chunk):
            size = min(chunk, kernel.inner - first)
            windows = []
            for k, v in enumerate(ports):
                nbytes = (size if streamed[k] else numel(v)) * _width(v)
                if streamed[k] and k < out:
                    em.copy(src[k] + first * _width(v), em.l1(f"port{k}"), nbytes)
                windows.append((em.l1(f"port{k}"), nbytes))
            windows += [(0, 0)] * (PORTS - len(windows))
            fields = {f"p{k}": a for k, (a, _) in enumerate(windows)} | {f"n{k}": n for k, (_, n) in enumerate(windows)}
            em.cmd(CGRA_LAUNCH, 1 << out, outer=kernel.outer, inner=size, **fields)
            if streamed[out]:
                em.copy(em.l1(f"port{out}"), src[out] + first * _width(ports[out]), size * _width(ports[out]))
        if not streamed[out]:
            em.copy(em.l1(f"port{out}"), src[out], numel(ports[out]) * _width(ports[out]))

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
        kernel, sched = self.kernel(op), Schedule.from_ints(CGRA_SCHEDULE.get(op))
        return {"kernel": kernel.name, "nodes": len(kernel.nodes), "ii": sched.ii, "mii": sched.mii,
                "res_mii": sched.res_mii, "rec_mii": sched.rec_mii, "utilisation": sched.utilisation(kernel),
                "trips": kernel.outer * kernel.inner,
                "kernel_cycles": kernel.outer * ((kernel.inner - 1) * sched.ii + sched.length)}

