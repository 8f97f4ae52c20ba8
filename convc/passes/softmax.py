"""Softmax over the innermost axis, found in float TOSA and computed by one integer command.

torch-mlir spells ONNX Softmax as reduce_max → sub → exp → reduce_sum → reciprocal → mul. The
lowering replaces the whole chain by one `dpu.softmax`, whose integer algorithm (the one
definition: dialects/dpu.py SoftmaxOp.reference, and the runtime kernel that must match it) is
in the manner of I-BERT's integer softmax, with the exponential as a table:

    m = max(x) per row;  d = m - x in [0, 255];  e = table[d] = round(2^16 * exp(-s_in * d))
    out = clamp(out_zp + div_round(e * mult, sum(e) << shift)),  mult / 2^shift ~ 1 / s_out

so the only rounding is e's (16 fractional bits) and the output code's. The exponent is a
table because x - max takes at most 256 values for int8 inputs sharing one scale.
"""

from dataclasses import dataclass

import numpy as np

from convc.engines.base import SOFTMAX
from convc.frontend import tosa_eval
from convc.passes.chains import Chain, find_chains, only_user as _only_user
from convc.ir.util import op_name, users


@dataclass
class Softmax(Chain):
    """ops: reduce_max, sub, exp, reduce_sum, reciprocal, mul."""
    axis: int
    kind = SOFTMAX


def _match(reduce_max):
    x, axis = reduce_max.operands[0], tosa_eval.int_array(reduce_max, "axis")[0]
    sub = _only_user(reduce_max.results[0], "tosa.sub")
    if sub is None or list(sub.operands) != [x, reduce_max.results[0]]:
        return None
    exp = _only_user(sub.results[0], "tosa.exp")
    if exp is None:
        return None
    readers = users(exp.results[0])
    total = next((u for u in readers if op_name(u) == "tosa.reduce_sum"), None)
    mul = next((u for u in readers if op_name(u) == "tosa.mul"), None)
    if len(readers) != 2 or total is None or mul is None or tosa_eval.int_array(total, "axis")[0] != axis:
        return None
    recip = _only_user(total.results[0], "tosa.reciprocal")
    if recip is None or _only_user(recip.results[0], "tosa.mul") != mul:
        return None
    if {mul.operands[0], mul.operands[1]} != {exp.results[0], recip.results[0]}:
        return None
    return Softmax(x, [reduce_max, sub, exp, total, recip, mul], axis)


def find_softmax(ops) -> dict:
    """{output value: Softmax} for every softmax chain among `ops`."""
    return find_chains(ops, "tosa.reduce_max", _match)


def exp_table(s_in: float) -> np.ndarray:
    """round(2^16 * exp(-s_in * d)) for d = 0..255, as int32 (entry 0 is exactly 2^16)."""
    return np.rint(65536.0 * np.exp(-s_in * np.arange(256, dtype=np.float64))).astype(np.int32)
