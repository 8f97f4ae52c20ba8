"""convc-materialize-kernels: engines that compile an op into a program of their own replace
it by that program's op, once allocation has chosen them.

A programmable engine (the CGRA) takes ops of other dialects during allocation, priced from
the program it would build; after allocation its `Engine.materialize` turns each op it won
into its own dialect (a `dpu.add` on a CGRA virtual core becomes a `cgra.kernel` with the loop
body as a region), keeping the op's decisions (`convc.*` attributes) and location. Engines
without programs return None and their ops stay.
"""

from convc.engines import engine_of
from convc.passes.api import Pass
from convc.passes.engine_ops import engine_ops


def run(module_op, ctx) -> None:
    for op in engine_ops(module_op):
        engine_of(op).materialize(op)


PASS = Pass("convc-materialize-kernels", run,
            "Replace ops allocated to a programmable engine (the CGRA) by its own kernels")
