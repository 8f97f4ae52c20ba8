"""A RISC-V-style host core that runs the integer kernels in software: HOST_MATMUL and one
HOST_* command per DPU operation, with the DPU's layouts, checks, byte ranges and kernels
(units/vector.py), so a layer can fall back to the host and stay bit-exact.

It is slow by declaration: every element of work costs `cycles_per_element` cycles and
`energy_pj_per_element` pJ (for HOST_MATMUL an element is one MAC, m*k*n of them), and each
64-bit division or square root in it (softmax, layer norm) `cycles_per_division` more: a
32-bit core divides 64-bit numbers in software.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import kernels
from ..geometry import flat, strided
from ..kernels import ACCUMULATE
from ..schema import Table
from .base import Opcode, StatelessUnit
from .vector import vector_opcodes

HOST_FORMAT_MINOR = 3  # the host opcodes came with stream format 1.3
HOST_MATMUL = Opcode.from_layout(0x40, "HOST_MATMUL",
                                 "in_addr in_stride w_addr out_addr out_stride m k n", "host",
                                 {ACCUMULATE: "acc"}, HOST_FORMAT_MINOR)
HOST_VECTOR_OPS = vector_opcodes(0x41, "HOST_", "host", HOST_FORMAT_MINOR)  # HOST_IM2COL = 0x41


@dataclass(frozen=True)
class HostSpec:
    cycles_per_element: float  # per element of work (a MAC for HOST_MATMUL)
    energy_pj_per_element: float
    cycles_per_division: float = 0.0  # extra, per 64-bit division or square root in the work


def matmul_accesses(f: dict, accumulate: bool):
    reads_out = [False, True] if accumulate else [True]  # partial sums are read back
    return ([strided("in_addr", False, f["in_addr"], f["m"], f["k"], f["in_stride"]),
             flat("w_addr", False, f["w_addr"], f["k"] * f["n"])]
            + [strided("out_addr", w, f["out_addr"], f["m"], 4 * f["n"], f["out_stride"])
               for w in reads_out])


class HostUnit(StatelessUnit):
    kind = "host"
    opcodes = (HOST_MATMUL, *HOST_VECTOR_OPS)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = HostSpec(cycles_per_element=t.number("cycles_per_element"),
                        energy_pj_per_element=t.number("energy_pj_per_element", allow_zero=True),
                        cycles_per_division=t.number("cycles_per_division", 0.0, allow_zero=True))
        t.finish()
        return spec

    def check(self, cmd, spec, state, target):
        if cmd.op is HOST_MATMUL:
            return None  # every m, k, n is meaningful; the memory map bounds them
        return HOST_VECTOR_OPS[cmd.op].check(cmd.fields, cmd.flags)

    def accesses(self, cmd, state):
        if cmd.op is HOST_MATMUL:
            return matmul_accesses(cmd.fields, cmd.has(ACCUMULATE))
        return HOST_VECTOR_OPS[cmd.op].accesses(cmd.fields)

    def price(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is HOST_MATMUL:
            work = macs = f["m"] * f["k"] * f["n"]
        else:
            work, macs = HOST_VECTOR_OPS[cmd.op].work(f), 0
            divisions = HOST_VECTOR_OPS[cmd.op].divisions(f)
            return (math.ceil(work * spec.cycles_per_element + divisions * spec.cycles_per_division), macs,
                    work * spec.energy_pj_per_element)
        return math.ceil(work * spec.cycles_per_element), macs, work * spec.energy_pj_per_element

    def execute(self, cmd, memory, state):
        if cmd.op is HOST_MATMUL:
            kernels.matmul(memory, cmd.fields, cmd.flags)
        else:
            HOST_VECTOR_OPS[cmd.op].kernel(memory, cmd.fields, cmd.flags)
