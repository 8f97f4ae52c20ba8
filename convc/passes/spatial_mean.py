"""Means over the spatial axes of an NCHW map (ReduceMean(axes=[2, 3]), PyTorch's x.mean((2, 3))).

torch-mlir spells them reduce_sum(axis 2) → reduce_sum(axis 3) (either order) → [reshape, when
keepdims=0] → mul by the constant 1 / (H * W). That is a global average pool of
the NHWC map, so the lowering computes it with the DPU's average pool (integer window sum and
one rounding division, docs/operators.md) after a layout transpose.
"""

import numpy as np

from convc.engines.base import SPATIAL_MEAN
from convc.frontend import tosa_eval
from convc.passes.chains import Chain, find_chains, only_user as _only_user
from convc.ir.util import defining_op, is_constant, op_name


class SpatialMean(Chain):
    """root: the NCHW map averaged; ops: reduce_sum, reduce_sum, [reshape,] mul."""
    kind = SPATIAL_MEAN


def _match(first):
    x = first.operands[0]
    if len(x.type.shape) != 4:
        return None
    second = _only_user(first.results[0])
    if second is None or op_name(second) != "tosa.reduce_sum":
        return None
    axes = {tosa_eval.int_array(first, "axis")[0], tosa_eval.int_array(second, "axis")[0]}
    chain = [first, second]
    mul = _only_user(second.results[0])
    if mul is not None and op_name(mul) == "tosa.reshape":  # keepdims=0 drops H and W first
        chain.append(mul)
        mul = _only_user(mul.results[0])
    if axes != {2, 3} or mul is None or op_name(mul) != "tosa.mul" or mul.operands[0] != chain[-1].results[0]:
        return None
    if not is_constant(mul.operands[1]):
        return None
    factor = tosa_eval.const_value(defining_op(mul.operands[1]))
    _, _, h, w = x.type.shape
    if factor.size != 1 or not np.isclose(float(factor.reshape(-1)[0]) * h * w, 1.0, rtol=1e-6):
        return None
    return SpatialMean(x, chain + [mul])


def find_spatial_means(ops) -> dict:
    """{output value: SpatialMean} for every mean over H and W among `ops`."""
    return find_chains(ops, "tosa.reduce_sum", _match)
