"""An independent integer reference for the engine-dialect program.

It evaluates the engine ops on whole int8 tensors with each op's own integer semantics (the
`reference` method its dialect defines, numpy int64): no tiling, no im2col, no memory
addresses, no command stream. The runtime executing the stream must agree with it bit for bit;
any disagreement points at tiling, the memory plan, scheduling, emission or the runtime.
"""

import numpy as np

from convc.frontend.tosa_eval import const_value
from convc.ir.util import body_ops, entry_func, op_name

CONSTANTS = ("arith.constant", "tosa.const")


def run(module, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Execute the engine-dialect function on int8 inputs; returns int8 outputs."""
    return run_samples(module, [inputs])[0]


def run_samples(module, samples: list[list[np.ndarray]], before=None) -> list[list[np.ndarray]]:
    """Execute the function on several samples op by op: `before(op, [operand values per
    sample])`, if given, runs before each engine op is evaluated, so a pass can choose
    something on the op's real inputs (convc-calibrate-engines) that the evaluation then uses.
    If it replaces the op, it returns the new ops (constants included, in program order), which
    are evaluated instead (convc-convert-to-snn)."""
    func_op = entry_func(module.operation if hasattr(module, "operation") else module)
    block = func_op.regions[0].blocks[0]
    ops = body_ops(func_op)
    dying = {}  # op index -> the values it uses last: dropped after it, so memory holds live values only
    for v, i in {v: i for i, op in enumerate(ops) for v in op.operands}.items():
        dying.setdefault(i, []).append(v)
    envs = [{arg: np.asarray(x, np.int8) for arg, x in zip(block.arguments, inputs)} for inputs in samples]
    for i, op in enumerate(ops):
        name = op_name(op)
        if name == "func.return":
            return [[env[v] for v in op.operands] for env in envs]
        replaced = None
        if before is not None and name not in CONSTANTS:
            replaced = before(op, [[env[v] for v in op.operands] for env in envs])
        for each in (op,) if replaced is None else replaced:
            _evaluate(each, envs)
        for v in dying.get(i, ()):
            for env in envs:
                env.pop(v, None)
    raise ValueError("function has no return")


def _evaluate(op, envs) -> None:
    name = op_name(op)
    if name in CONSTANTS:
        value = const_value(op)
        for env in envs:
            env[op.results[0]] = value
        return
    semantics = getattr(op, "reference", None)
    if semantics is None:
        raise NotImplementedError(f"integer reference: {name} defines no integer semantics")
    shape = list(op.results[0].type.shape)
    for env in envs:
        env[op.results[0]] = semantics(*[env[v] for v in op.operands]).reshape(shape)
