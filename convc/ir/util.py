"""Small IR helpers used by several passes."""

import numpy as np

from convc.ir.mlir import arith, ir


def op_name(op) -> str:
    return (op.operation if hasattr(op, "operation") else op).name


def entry_func(module_op):
    for op in module_op.regions[0].blocks[0].operations:
        if op_name(op) == "func.func":
            return op
    raise ValueError("module has no func.func")


def body_ops(func_op) -> list:
    return list(func_op.regions[0].blocks[0].operations)


def defining_op(value):
    """The op that defines `value`, or None for a block argument."""
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner


def users(value) -> list:
    return [u.owner for u in value.uses]


def is_constant(value) -> bool:
    op = defining_op(value)
    return op is not None and op_name(op) in ("tosa.const", "tosa.const_shape", "arith.constant")


def dense_constant(array: np.ndarray, loc=None, ip=None):
    """An arith.constant holding `array` (int8/int32/float32), built through the bindings."""
    attr = ir.DenseElementsAttr.get(np.ascontiguousarray(array))
    return arith.ConstantOp(attr.type, attr, loc=loc, ip=ip).result


def tosa_constant(array: np.ndarray, loc=None, ip=None):
    """A tosa.const holding a float32 array (used by TOSA-level folding passes)."""
    from convc.ir.mlir import tosa
    attr = ir.DenseElementsAttr.get(np.ascontiguousarray(array, dtype=np.float32))
    return tosa.ConstOp(attr, loc=loc, ip=ip).result


def erase_dead(func_op) -> None:
    """Erase ops without uses and without side effects, last to first, until none is left."""
    changed = True
    while changed:
        changed = False
        for op in reversed(body_ops(func_op)):
            if op_name(op) == "func.return":
                continue
            if all(len(list(r.uses)) == 0 for r in op.results) and len(op.results) > 0:
                op.erase()
                changed = True
