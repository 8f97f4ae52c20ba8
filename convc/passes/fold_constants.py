"""convc-fold-constants: evaluate TOSA ops whose operands are all constants.

torch-mlir lowers BatchNormalization to rsqrt/sub/mul chains on constant statistics; folding
them here leaves per-channel constants that convc-fold-batchnorm can absorb into weights.

Also `x - x`, which is 0 for every finite x (int8 codes have no inf or NaN): (log-)softmax
over an axis of size 1 lowers to x - max(x) with the one-element max folded away, and the
whole chain after it is constant once the difference is.
"""

import numpy as np

from convc.frontend import tosa_eval
from convc.ir.util import body_ops, entry_func, erase_dead, is_constant, op_name, tosa_constant
from convc.ir.mlir import ir
from convc.passes.api import Pass, no_target


def _foldable(op) -> bool:
    if op_name(op) in tosa_eval.STRUCTURAL or not tosa_eval.can_evaluate(op):
        return False
    if len(op.results) != 1 or not isinstance(op.results[0].type, ir.RankedTensorType):
        return False
    elem = op.results[0].type.element_type
    return isinstance(elem, ir.F32Type) and all(is_constant(v) for v in op.operands)


def _difference_with_itself(op) -> bool:
    if op_name(op) != "tosa.sub" or op.operands[0] != op.operands[1]:
        return False
    result = op.results[0].type
    return isinstance(result, ir.RankedTensorType) and isinstance(result.element_type, ir.F32Type)


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    folded = 0
    for op in body_ops(func_op):
        if _difference_with_itself(op):
            value = np.zeros(ir.RankedTensorType(op.results[0].type).shape, np.float32)
        elif _foldable(op):
            env = {v: tosa_eval.const_value(v.owner) for v in op.operands}
            value = tosa_eval.evaluate_op(op, env)
        else:
            continue
        new = tosa_constant(value, loc=op.location, ip=ir.InsertionPoint(op))
        op.results[0].replace_all_uses_with(new)
        op.erase()
        folded += 1
    erase_dead(func_op)
    ctx.info["folded_constants"] = ctx.info.get("folded_constants", 0) + folded


PASS = Pass("convc-fold-constants", run, "Evaluate TOSA ops whose operands are all constants", target_key=no_target)
