"""convc-materialize-kernels: engines that compile an op into a program of their own replace
it by that program's op, once allocation has chosen them.

A programmable engine (the CGRA) takes ops of other dialects during allocation, priced from
the program it would build; after allocation its `Engine.materialize` turns each op it won
into its own dialect (a `dpu.add` on a CGRA virtual core becomes a `cgra.kernel` with the loop
body as a region; a `dpu.softmax` a chain of them), keeping the op's decisions (`convc.*`
attributes) and location. Engines without programs leave their ops as they are. A chain adds
engine ops, so the ops are numbered again (`convc.id`, program order): the layer numbers of
the report and of `layer N` selectors in later passes are the new ones.
"""

from convc.engines import engine_of
from convc.passes.api import Pass
from convc.passes.engine_ops import engine_ops, number_ops


def run(module_op, ctx) -> None:
    for op in engine_ops(module_op):
        engine_of(op).materialize(op)
    number_ops(module_op)


PASS = Pass("convc-materialize-kernels", run,
            "Replace ops allocated to a programmable engine (the CGRA) by its own kernels")
