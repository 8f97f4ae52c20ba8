"""convc-lower-to-engines: calibrated float TOSA → int8 engine-dialect ops.

Every TOSA op is lowered by an engine kind that takes it: each engine class lists the TOSA ops
it lowers (`Engine.lowerings`, convc/engines/), and the pass asks the registry, preferring the
engine kinds the target has in the order its file lists them (convc/engines/__init__.py,
`lowering_for`). On thetis convolutions and matrix products become `imc` ops, everything else
`dpu` ops. A function of one tensor spelled as several element-wise ops (SiLU, GELU, ...) is
found first (convc/passes/unary_functions.py) and lowered as a whole, by the engine that takes
`convc.unary_function`, as one table lookup; softmax, layer norm and reduction chains
(convc/passes/chains.py) likewise, each under its own kind. The toolkit the lowerings share (quantization parameters, activation fusion,
precision rules) is convc/passes/lowering.py. A new function with int8 arguments and results
replaces the float one.
"""

from convc.engines import lowering_for
from convc.engines.base import ACTIVATION_MATMUL, UNARY_FUNCTION
from convc.errors import UnsupportedOpError
from convc.ir.attrs import f64
from convc.ir.locations import describe, node_name
from convc.ir.mlir import func, ir
from convc.ir.util import body_ops, defining_op, entry_func, is_constant, op_name
from convc.frontend import tosa_eval
from convc.passes.api import Pass
from convc.passes.lowering import Lowering, i8, shape_of
from convc.passes.layer_norm import find_layer_norms
from convc.passes.reductions import find_reductions
from convc.passes.softmax import find_softmax
from convc.passes.unary_functions import ELEMENTWISE, find_regions

PASS_THROUGH = ("tosa.identity", "tosa.cast")
# Multi-op patterns one engine op computes (passes/chains.py), found in this order.
CHAIN_FINDERS = (find_softmax, find_layer_norms, find_reductions)
# What to tell the user about a TOSA op that reaches lowering with no engine for it.
NO_LOWERING_HINTS = {
    "tosa.pad": "padding is supported where it feeds a convolution or pooling (zero padding, or -inf "
                "before a max pool), which takes it as its own padding (convc-fold-pad); this Pad "
                "feeds another op, pads N or C, or pads with another value",
}


class _Driver(Lowering):
    def lower(self, module_op):
        old_block = self.old.regions[0].blocks[0]
        ret = [op for op in body_ops(self.old) if op_name(op) == "func.return"][0]
        in_types = [i8(shape_of(a)) for a in old_block.arguments]
        out_types = [i8(shape_of(v)) for v in ret.operands]
        with ir.InsertionPoint(self.old), self.old.location:
            new_func = func.FuncOp("main", (in_types, out_types))
        block = self.block = new_func.add_entry_block()
        # Multi-op patterns one engine op computes: their inner values are never lowered alone.
        taken = set()
        for finder in CHAIN_FINDERS:
            for chain in finder([op for op in body_ops(self.old) if op.operation not in taken]).values():
                self.chains[chain.output] = chain
                self.fused.update(v for v in chain.values if v != chain.output)
                taken.update(o.operation for o in chain.ops)  # OpViews hash by identity
        # A chain's output can start a region (an activation after a layer norm); its inner ops cannot.
        self.unary = find_regions([op for op in body_ops(self.old) if op.operation not in taken],
                                  [*old_block.arguments, *self.chains])
        for region in self.unary.values():
            self.in_unary.update(region.values)
            self.fused.update(v for v in region.values if v != region.output)
        for old_arg, new_arg in zip(old_block.arguments, block.arguments):
            self.vmap[old_arg] = new_arg
        with ir.InsertionPoint(block):
            for op in body_ops(self.old):
                name = op_name(op)
                if name in tosa_eval.STRUCTURAL or name == "func.return" or op.results[0] in self.fused:
                    continue
                if name in PASS_THROUGH:
                    self.vmap[op.results[0]] = self.vmap[op.operands[0]]
                    continue
                if name == "tosa.slice" and self.is_window_crop(op):
                    continue  # the conv/pool it crops for takes it as negative padding
                kind = (self.chains[op.results[0]].kind if op.results[0] in self.chains else
                        UNARY_FUNCTION if op.results[0] in self.unary else
                        ACTIVATION_MATMUL if name == "tosa.matmul" and not is_constant(op.operands[1]) and
                        not is_constant(op.operands[0]) else name)
                lowering = lowering_for(kind, self.ctx.target)
                if lowering is None and name in ELEMENTWISE:
                    raise UnsupportedOpError(
                        f"{describe(op)}: element-wise {name.removeprefix('tosa.')} is supported only inside an "
                        f"activation of one tensor (with uniform constants), computed as a 256-entry table; "
                        f"here it is not (it meets another tensor or a per-channel constant)")
                if lowering is None and name in NO_LOWERING_HINTS:
                    raise UnsupportedOpError(f"{describe(op)}: {NO_LOWERING_HINTS[name]}")
                if lowering is None:
                    raise UnsupportedOpError(f"{describe(op)} has no lowering to the engines")
                lowering(self, op)
            for i, v in enumerate(ret.operands):
                if v not in self.vmap:
                    src = defining_op(v)
                    if src is not None and is_constant(v):
                        raise UnsupportedOpError(
                            f"output {i} of the model is a constant (the simplifier folded what computes it, "
                            f"e.g. a softmax over an axis of size 1): every output must depend on an input")
                    raise UnsupportedOpError(f"{describe(src or ret)}: this result cannot be produced by the engines")
            func.ReturnOp([self.vmap[v] for v in ret.operands], loc=ret.location)
        self._carry_io_attrs(new_func, ret)
        self.old.erase()

    def _carry_io_attrs(self, new_func, ret):
        new_func.attributes["convc.input_scales"] = self.old.attributes["convc.input_scales"]
        new_func.attributes["convc.input_zps"] = self.old.attributes["convc.input_zps"]
        qps = [self.q(v) for v in ret.operands]
        new_func.attributes["convc.output_scales"] = ir.ArrayAttr.get([f64(s) for s, _ in qps])
        new_func.attributes["convc.output_zps"] = ir.DenseI64ArrayAttr.get([z for _, z in qps])
        names = [node_name(a.location) for a in self.old.regions[0].blocks[0].arguments]
        new_func.attributes["convc.input_names"] = ir.ArrayAttr.get(
            [ir.StringAttr.get(n if n != "?" else f"input{i}") for i, n in enumerate(names)])


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    _Driver(func_op, ctx).lower(module_op)


PASS = Pass("convc-lower-to-engines", run, "Lower calibrated TOSA to int8 engine-dialect ops (each engine lowers what it takes)")
