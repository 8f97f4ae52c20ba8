"""Example expert pass: keep element-wise DPU ops on the core of their first producer.

convc's list scheduler may put a residual add on a core other than the convolution feeding
it, which costs a cross-core signal/wait. An expert who prefers fewer synchronisations over
balance can run this pass right after core allocation:

    convc model.onnx --pass-plugin examples/plugins/colocate_dpu.py

It sees the same IR as the built-in passes: engine ops with `convc.core` attributes. Annotation
`place` rules still win: ops whose placement came from the annotation file are left alone.
"""

from convc.passes.api import Pass
from convc.ir.schema import CORE, SOURCE
from convc.passes.engine_ops import activation_operands, engine_ops, producer

ELEMENTWISE = ("dpu.add", "dpu.mul", "dpu.rescale")


def run(module_op, ctx) -> None:
    moved = 0
    for op in engine_ops(module_op):
        if op.operation.name not in ELEMENTWISE or SOURCE.get(op, "core") != "heuristic":
            continue
        producers = [p for p in (producer(v) for v in activation_operands(op)) if p is not None]
        if producers and CORE.get(producers[0]) != CORE.get(op):
            CORE.set(op, CORE.get(producers[0]))
            moved += 1
    ctx.info["colocated_dpu_ops"] = moved


PASS = Pass("colocate-dpu", run, "Move element-wise DPU ops to their first producer's core")
AFTER = "convc-allocate-cores"
