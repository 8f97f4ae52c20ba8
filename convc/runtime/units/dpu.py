"""The digital vector unit of a core: every DPU_* command (the operations of units/vector.py).

A DPU processes `lanes` int8 elements per cycle; a target lists the operations its DPUs
implement (`ops`), and a command for another one is rejected at validation.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..schema import Table
from .base import StatelessUnit
from .vector import VECTOR_OP_NAMES, vector_opcodes

DPU_OPS = vector_opcodes(0x20, "DPU_", "dpu")  # {opcode: VectorOp}, DPU_IM2COL = 0x20 ...


@dataclass(frozen=True)
class DpuSpec:
    lanes: int  # int8 elements per cycle
    ops: tuple[str, ...]  # the vector operations it implements ("im2col", "add", ...)
    energy_pj_per_op: float  # per element of work


class DpuUnit(StatelessUnit):
    kind = "dpu"
    opcodes = tuple(DPU_OPS)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = DpuSpec(lanes=t.integer("lanes"), ops=t.choices("ops", VECTOR_OP_NAMES),
                       energy_pj_per_op=t.number("energy_pj_per_op", allow_zero=True))
        t.finish()
        return spec

    def area_um2(self, spec):  # an int8 lane with its share of control (docs/explore.md)
        return spec.lanes * 2000.0

    def check(self, cmd, spec, state, target):
        op = DPU_OPS[cmd.op]
        if op.name not in spec.ops:
            return f"uses DPU op '{op.name}', which target {target.name} lacks"
        return op.check(cmd.fields, cmd.flags)

    def accesses(self, cmd, state):
        return DPU_OPS[cmd.op].accesses(cmd.fields)

    def price(self, cmd, spec, state, target):
        work = DPU_OPS[cmd.op].work(cmd.fields)
        return -(-work // spec.lanes), 0, work * spec.energy_pj_per_op

    def execute(self, cmd, memory, state):
        DPU_OPS[cmd.op].kernel(memory, cmd.fields, cmd.flags)
