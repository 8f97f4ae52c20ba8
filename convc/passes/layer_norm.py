"""Layer normalisation over the innermost axis, found in float TOSA and computed by one integer
command (in the manner of I-BERT's integer LayerNorm, with an integer square root).

torch-mlir spells ONNX LayerNormalization (opset 17) as

    mean = reduce_sum(x) * 1/N;  d = x - mean;  var = reduce_sum(d * d) * 1/N
    y = d * rsqrt(var + eps)  [* gamma]  [+ beta]

and the older exporters' decomposition (ReduceMean, Sub, Pow 2, ReduceMean, Add, Sqrt, Div) as
the same chain with pow(d, 2) and reciprocal(pow(var + eps, 0.5)). The lowering replaces the
chain by one `dpu.layernorm`, whose integer algorithm (the one definition:
dialects/dpu.py LayerNormOp.reference; the runtime kernel must match it) is, per row of N codes
q = x - zp_in:

    c = N * q - sum(q)                     # N * (q - mean), exact
    r = max(1, isqrt((sum(c^2) + E) << 2m))  # 2^m * sqrt(N^3 * (var_q + eps / s_in^2))
    out = clamp(zp_out + div_round((c * G << m) + B * r, r << k))

with E = round(N^3 * eps / s_in^2), G = round(gamma * sqrt(N) * 2^k / s_out) and
B = round(beta * 2^k / s_out) per channel: c * sqrt(N) / sqrt(sum(c^2) + E) is exactly
(q - mean) / sqrt(var_q + eps / s_in^2), so the only roundings are the square root's (m extra
bits), G's and B's (k fractional bits) and the output code's.
"""

import math
from dataclasses import dataclass

import numpy as np

from convc.engines.base import LAYER_NORM
from convc.frontend import tosa_eval
from convc.passes.chains import Chain, find_chains, distinct_users, only_user
from convc.ir.util import defining_op, is_constant, op_name

# Bit budget of the int64 kernel: |c * G << m| and |B * r| stay below 2^62.
BITS = 62
MAX_GAIN_BITS = 24  # |G| and |B| below 2^24, so the params blob is plain int32


@dataclass
class LayerNorm(Chain):
    """ops: reduce_sum, mul, sub, mul|pow, reduce_sum, mul, add, rsqrt|pow+reciprocal, mul[, mul][, add]."""
    eps: float
    gamma: np.ndarray  # [N] float, ones when the model has no scale
    beta: np.ndarray   # [N] float, zeros when it has no shift
    kind = LAYER_NORM


def _const_operand(op, value):
    """The constant operand of a binary op whose other operand is `value`, as an array."""
    other = op.operands[1] if op.operands[0] == value else op.operands[0]
    return tosa_eval.const_value(defining_op(other)) if is_constant(other) else None


def _mean(total, n):
    """The mul by 1/N after `total`, a reduce_sum over the last axis, or None."""
    if total is None or tosa_eval.int_array(total, "axis")[0] != len(total.operands[0].type.shape) - 1:
        return None
    mul = only_user(total.results[0], "tosa.mul")
    factor = tosa_eval.scalar_constant(mul.operands[1]) if mul is not None else None
    return mul if factor is not None and math.isclose(factor * n, 1.0, rel_tol=1e-6) else None


def _square(d, users_of_d):
    for u in users_of_d:
        if op_name(u) == "tosa.mul" and u.operands[0] == d and u.operands[1] == d:
            return u
        if op_name(u) == "tosa.pow" and u.operands[0] == d and tosa_eval.scalar_constant(u.operands[1]) == 2.0:
            return u
    return None


def _inverse_sqrt(value):
    """rsqrt(value), or reciprocal(pow(value, 0.5)) / reciprocal(sqrt): the ops, or None."""
    user = only_user(value)
    if user is None:
        return None
    if op_name(user) == "tosa.rsqrt":
        return [user]
    if op_name(user) == "tosa.pow" and tosa_eval.scalar_constant(user.operands[1]) == 0.5:
        recip = only_user(user.results[0], "tosa.reciprocal")
        return [user, recip] if recip is not None else None
    return None


def _match(first_sum):
    x = first_sum.operands[0]
    n = x.type.shape[-1]
    total, mean = first_sum, _mean(first_sum, n)
    if mean is None:
        return None
    sub = only_user(mean.results[0], "tosa.sub")
    if sub is None or list(sub.operands) != [x, mean.results[0]]:
        return None
    d = sub.results[0]
    d_users = distinct_users(d)
    square = _square(d, d_users)
    if square is None or len(d_users) != 2:
        return None
    var_sum = only_user(square.results[0], "tosa.reduce_sum")
    var = _mean(var_sum, n)
    if var is None:
        return None
    add = only_user(var.results[0], "tosa.add")
    eps = tosa_eval.scalar_constant(add.operands[1]) if add is not None else None
    inv = _inverse_sqrt(add.results[0]) if eps is not None and eps >= 0 else None
    if inv is None:
        return None
    norm = next(u for u in d_users if u.operation != square.operation)
    if op_name(norm) != "tosa.mul" or {norm.operands[0], norm.operands[1]} != {d, inv[-1].results[0]}:
        return None
    ops = [total, mean, sub, square, var_sum, var, add, *inv, norm]
    gamma, beta = np.ones(n), np.zeros(n)
    for name in ("tosa.mul", "tosa.add"):  # the affine part, when the model has one
        nxt = only_user(ops[-1].results[0], name)
        c = _const_operand(nxt, ops[-1].results[0]) if nxt is not None else None
        if c is None or c.size not in (1, n) or any(d != 1 for d in c.shape[:-1]):
            continue
        if name == "tosa.mul":
            gamma = np.broadcast_to(c.reshape(-1), (n,)).astype(np.float64)
        else:
            beta = np.broadcast_to(c.reshape(-1), (n,)).astype(np.float64)
        ops.append(nxt)
    return LayerNorm(x, ops, eps, gamma, beta)


def find_layer_norms(ops) -> dict:
    """{output value: LayerNorm} for every layer normalisation over the innermost axis."""
    return find_chains(ops, "tosa.reduce_sum", _match)


def integer_params(ln: LayerNorm, s_in: float, s_out: float):
    """(E, G, B, k, m) of the integer algorithm above for input and output scales."""
    n = len(ln.gamma)
    e = int(round(n ** 3 * ln.eps / (s_in * s_in)))
    v_max = n * (n * 255) ** 2 + e           # sum(c^2) + E: |c| <= N * 255
    m = max(0, min(16, (BITS - v_max.bit_length()) // 2))
    r_max = math.isqrt(v_max << (2 * m)) + 1
    g_real, b_real = ln.gamma * math.sqrt(n) / s_out, ln.beta / s_out
    big = max(float(np.abs(g_real).max()), float(np.abs(b_real).max()), 1e-30)
    k = 0
    # The most fractional bits that keep G and B in int32 and the kernel's terms below 2^62.
    while (k < 30 and big * 2 ** (k + 1) < 2 ** MAX_GAIN_BITS
           and n * 255 * big * 2 ** (k + 1 + m) < 2 ** BITS and big * 2 ** (k + 1) * r_max < 2 ** BITS
           and (r_max << (k + 1)) < 2 ** BITS):
        k += 1
    gains = np.rint(g_real * 2 ** k).astype(np.int64)
    offsets = np.rint(b_real * 2 ** k).astype(np.int64)
    return e, gains.astype(np.int32), offsets.astype(np.int32), k, m
