"""An independent integer reference for the engine-dialect program.

It evaluates the engine ops on whole int8 tensors with each op's own integer semantics (the
`reference` method its dialect defines, numpy int64): no tiling, no im2col, no memory
addresses, no command stream. The runtime executing the stream must agree with it bit for bit;
any disagreement points at tiling, the memory plan, scheduling, emission or the runtime.
"""

import numpy as np

from convc.frontend.tosa_eval import const_value
from convc.ir.util import body_ops, entry_func, op_name


def run(module, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Execute the engine-dialect function on int8 inputs; returns int8 outputs."""
    func_op = entry_func(module.operation if hasattr(module, "operation") else module)
    block = func_op.regions[0].blocks[0]
    env = {arg: np.asarray(x, np.int8) for arg, x in zip(block.arguments, inputs)}
    for op in body_ops(func_op):
        name = op_name(op)
        if name == "func.return":
            return [env[v] for v in op.operands]
        if name in ("arith.constant", "tosa.const"):
            env[op.results[0]] = const_value(op)
            continue
        semantics = getattr(op, "reference", None)
        if semantics is None:
            raise NotImplementedError(f"integer reference: {name} defines no integer semantics")
        y = semantics(*[env[v] for v in op.operands])
        env[op.results[0]] = y.reshape(list(op.results[0].type.shape))
    raise ValueError("function has no return")
