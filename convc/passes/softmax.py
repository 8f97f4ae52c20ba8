"""Softmax and log-softmax over the innermost axis, found in float TOSA, each computed by one
integer command.

torch-mlir spells ONNX Softmax as reduce_max → sub → exp → reduce_sum → reciprocal → mul. The
lowering replaces the whole chain by one `dpu.softmax`, whose integer algorithm (the one
definition: dialects/dpu.py SoftmaxOp.reference, and the runtime kernel that must match it) is
in the manner of I-BERT's integer softmax, with the exponential as a table:

    m = max(x) per row;  d = m - x in [0, 255];  e = table[d] = round(2^16 * exp(-s_in * d))
    out = clamp(out_zp + div_round(e * mult, sum(e) << shift)),  mult / 2^shift ~ 1 / s_out

so the only rounding is e's (16 fractional bits) and the output code's. The exponent is a
table because x - max takes at most 256 values for int8 inputs sharing one scale.

LogSoftmax is reduce_max → sub → exp → reduce_sum → log → sub(x - max, log); its integer
algorithm (dialects/integer.py log_softmax) shares the exponential table and adds the natural
log of the sum, from its leading bit (k ln 2) and a 256-entry table of its next 8 bits:

    y = -(d * step) - ((k - 16) * ln2 + log_table[f]),  all in 2^-16 units, step = 2^16 * s_in
    out = clamp(out_zp + rshift_round(y * mult, shift)),  mult / 2^shift ~ 2^-16 / s_out

so the error is the 8-bit mantissa's (|ln error| <= ln(1 + 1/512) ~ 0.002) and int8's.
"""

from dataclasses import dataclass

import numpy as np

from convc.engines.base import LOG_SOFTMAX, SOFTMAX
from convc.frontend import tosa_eval
from convc.passes.chains import Chain, find_chains, only_user as _only_user
from convc.ir.util import op_name, users


@dataclass
class Softmax(Chain):
    """ops: reduce_max, sub, exp, reduce_sum, reciprocal, mul."""
    axis: int
    kind = SOFTMAX


@dataclass
class LogSoftmax(Softmax):
    """ops: reduce_max, sub, exp, reduce_sum, log, sub."""
    kind = LOG_SOFTMAX


def _match(reduce_max):
    x, axis = reduce_max.operands[0], tosa_eval.int_array(reduce_max, "axis")[0]
    sub = _only_user(reduce_max.results[0], "tosa.sub")
    if sub is None or list(sub.operands) != [x, reduce_max.results[0]]:
        return None
    readers = users(sub.results[0])
    if len(readers) == 2:  # x - max is read again by the log-softmax's final sub
        return _match_log(x, axis, reduce_max, sub, readers)
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


def _match_log(x, axis, reduce_max, sub, readers):
    exp = next((u for u in readers if op_name(u) == "tosa.exp"), None)
    last = next((u for u in readers if op_name(u) == "tosa.sub"), None)
    if exp is None or last is None:
        return None
    total = _only_user(exp.results[0], "tosa.reduce_sum")
    if total is None or tosa_eval.int_array(total, "axis")[0] != axis:
        return None
    log = _only_user(total.results[0], "tosa.log")
    if log is None or _only_user(log.results[0], "tosa.sub") != last:
        return None
    if list(last.operands) != [sub.results[0], log.results[0]]:
        return None
    return LogSoftmax(x, [reduce_max, sub, exp, total, log, last], axis)


def find_softmax(ops) -> dict:
    """{output value: Softmax or LogSoftmax} for every (log-)softmax chain among `ops`."""
    return find_chains(ops, "tosa.reduce_max", _match)


def exp_table(s_in: float) -> np.ndarray:
    """round(2^16 * exp(-s_in * d)) for d = 0..255, as int32 (entry 0 is exactly 2^16)."""
    return np.rint(65536.0 * np.exp(-s_in * np.arange(256, dtype=np.float64))).astype(np.int32)


def log_table() -> np.ndarray:
    """round(2^16 * ln(1 + (f + 1/2) / 256)) for f = 0..255, as int32: the natural log of a
    mantissa 1.f (8 bits after the leading one), taken at the middle of its interval."""
    return np.rint(65536.0 * np.log1p((np.arange(256, dtype=np.float64) + 0.5) / 256)).astype(np.int32)
