"""Sums, means and maxima over a run of adjacent axes (ReduceSum, ReduceMean, ReduceMax, and
PyTorch's x.mean((2, 3)), x.sum(-1), x.amax(1)), found in float TOSA.

torch-mlir spells a reduction over several axes as one reduce op per axis, each keeping its axis
as size 1, and a mean as those sums followed by [a reshape, when keepdims=0, and] a mul by the
constant 1/K. Over the adjacent axes lo..hi of a shape S, with outer = prod S[:lo],
K = prod S[lo..hi] and inner = prod S[hi+1:], the reduction is a pooling window: the tensor,
viewed as the NHWC map [1, outer*K, 1, inner], reduced by a K x 1 window with stride K. So one
DPU average pool (integer window sum, one rounding division; a mean's or sum's factor folded
into its multiplier) or max pool computes it, with no layout change. Axes that are not
adjacent make separate chains, each one pooling command.
"""

from dataclasses import dataclass
from math import prod

from convc.engines.base import REDUCTION
from convc.frontend import tosa_eval
from convc.passes.chains import Chain, find_chains, only_user
from convc.ir.util import defining_op, is_constant, op_name

REDUCE_OPS = ("tosa.reduce_sum", "tosa.reduce_max")


@dataclass
class Reduction(Chain):
    """ops: reduce_sum.. [reshape] [mul], or reduce_max..; the axes lo..hi of root's shape."""
    lo: int
    hi: int
    factor: float  # what the sum is multiplied by (1/K for a mean, 1 for a sum); None for a max
    kind = REDUCTION

    def view(self) -> tuple[int, int, int]:
        """(outer, K, inner) of the root's shape around the reduced axes."""
        shape = self.root.type.shape
        return prod(shape[:self.lo]), prod(shape[self.lo:self.hi + 1]), prod(shape[self.hi + 1:])


def _axis(op) -> int:
    return tosa_eval.int_array(op, "axis")[0] % len(op.operands[0].type.shape)


def _scalar_factor(mul, value):
    """The positive constant a tosa.mul multiplies `value` by, if it is one scalar; else None."""
    if mul is None or op_name(mul) != "tosa.mul" or mul.operands[0] != value or not is_constant(mul.operands[1]):
        return None
    c = tosa_eval.const_value(defining_op(mul.operands[1]))
    return float(c.reshape(-1)[0]) if c.size == 1 and c.reshape(-1)[0] > 0 else None


def _match(first):
    name = op_name(first)
    ops, lo, hi = [first], _axis(first), _axis(first)
    while (nxt := only_user(ops[-1].results[0], name)) is not None and _axis(nxt) in (lo - 1, hi + 1):
        ops.append(nxt)
        lo, hi = min(lo, _axis(nxt)), max(hi, _axis(nxt))
    x = first.operands[0]
    if name == "tosa.reduce_max":
        return Reduction(x, ops, lo, hi, None)
    tail = only_user(ops[-1].results[0])
    reshape = tail if tail is not None and op_name(tail) == "tosa.reshape" else None
    factor = _scalar_factor(only_user(reshape.results[0]) if reshape else tail, (reshape or ops[-1]).results[0])
    if factor is None:
        return Reduction(x, ops, lo, hi, 1.0)
    return Reduction(x, ops + ([reshape] if reshape else []) + [only_user((reshape or ops[-1]).results[0])],
                     lo, hi, factor)


def find_reductions(ops) -> dict:
    """{output value: Reduction} for every sum, mean or max reduction among `ops`."""
    found = {}
    for name in REDUCE_OPS:
        found.update(find_chains(ops, name, _match))
    return found

