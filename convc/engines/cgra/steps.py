"""An op the CGRA runs as a chain of kernels, each one loop nest on the virtual core.

A row-wise op (softmax, layer norm) needs several passes over each row — the maximum, then the
sum of exponentials, then the division — and a virtual core runs one loop at a time, so the
engine compiles it into steps. Step k's kernel reads its ports from the op's operands, earlier
steps' results (int32 tensors in memory, which convc-materialize-kernels turns into SSA values
between the `cgra.kernel` ops) or constants the compiler built; it writes its last port, which
for the last step is the op's result.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convc.dialects.cgra_dfg import Kernel, evaluate


@dataclass(frozen=True)
class FromOperand:
    index: int  # the op's operand


@dataclass(frozen=True)
class FromStep:
    index: int  # an earlier step's result


@dataclass(eq=False)
class FromConstant:
    values: np.ndarray  # int32, built by the kernel generator (layer norm's gains and offsets)


@dataclass(eq=False)
class Step:
    kernel: Kernel
    reads: list  # FromOperand | FromStep | FromConstant for each port but the last
    shape: tuple | None = None  # the written int32 tensor's shape; None: the op's result


def single(kernel: Kernel, n_operands: int) -> list[Step]:
    """The chain of an op that is one kernel over its own operands and result."""
    return [Step(kernel, [FromOperand(k) for k in range(n_operands)])]


def run_steps(steps: list[Step], operands: list[np.ndarray], out_dtype=np.int8):
    """Each step with the bytes of its read ports and the size of its written port, its inputs
    computed by the earlier steps' definitions (cgra_dfg.evaluate): yields (step, inputs,
    out_bytes, result), result viewed as int32 for an intermediate step, `out_dtype` for the
    last (which has operand 0's element count)."""
    results: list[np.ndarray] = []
    for step in steps:
        ins = [operands[r.index] if isinstance(r, FromOperand) else results[r.index] if isinstance(r, FromStep)
               else r.values for r in step.reads]
        raw = [np.ascontiguousarray(a).reshape(-1).view(np.uint8) for a in ins]
        dtype = out_dtype if step.shape is None else np.dtype("<i4")
        count = int(np.prod(step.shape)) if step.shape is not None else int(np.asarray(operands[0]).size)
        out_bytes = count * np.dtype(dtype).itemsize
        results.append(evaluate(step.kernel, raw, [out_bytes])[0].view(dtype))
        yield step, raw, out_bytes, results[-1]


def evaluate_chain(steps: list[Step], operands: list[np.ndarray], out_dtype=np.int8) -> np.ndarray:
    """The chain's result (flat, `out_dtype`) on the op's operand arrays: what the
    materialized kernels compute together."""
    *_, (_, _, _, result) = run_steps(steps, operands, out_dtype)
    return result
