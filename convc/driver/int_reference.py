"""An independent integer reference for the engine-dialect program.

It evaluates imc/dpu ops on whole int8 tensors with plain numpy int64 arithmetic straight from
the op definitions: no tiling, no im2col, no memory addresses, no command stream. The runtime
executing the stream must agree with it bit for bit; any disagreement points at tiling, the
memory plan, scheduling, emission or the runtime.
"""

import numpy as np

from convc.ir.util import body_ops, entry_func, op_name
from convc.frontend.tosa_eval import const_value, window_patches
from convc.ir.attrs import get_array, get_int


def rshift_round(x, shift):
    x = np.asarray(x, np.int64)
    return (x + (np.int64(1) << (np.asarray(shift, np.int64) - 1))) >> np.asarray(shift, np.int64)


def _requant(op, acc):
    bias = const_value(op.operands[2].owner).astype(np.int64)
    mult = np.array(get_array(op, "mult"), np.int64)
    shift = np.array(get_array(op, "shift"), np.int64)
    y = get_int(op, "out_zp") + rshift_round((acc + bias) * mult, shift)
    return np.clip(y, get_int(op, "clamp_min"), get_int(op, "clamp_max")).astype(np.int8)


def _conv_patches(op, x, kernel, fill):
    return window_patches(x.astype(np.int64), kernel, get_array(op, "stride"), get_array(op, "pad"),
                          get_array(op, "dilation"), fill=fill)


def _conv2d(op, x):
    w = const_value(op.operands[1].owner).astype(np.int64)  # [O, kh, kw, I]
    p = _conv_patches(op, x, w.shape[1:3], fill=get_int(op, "in_zp"))
    return _requant(op, np.tensordot(p, w, axes=([3, 4, 5], [1, 2, 3])))


def _matmul(op, x):
    w = const_value(op.operands[1].owner).astype(np.int64)
    return _requant(op, x.astype(np.int64) @ w)


def _dwconv2d(op, x):
    w = const_value(op.operands[1].owner).astype(np.int64)  # [kh, kw, C]
    zp = get_int(op, "in_zp")
    p = _conv_patches(op, x, w.shape[:2], fill=zp) - zp
    return _requant(op, np.einsum("nhwyxc,yxc->nhwc", p, w))


def _broadcast(b, n):
    flat = b.reshape(-1).astype(np.int64)
    return np.tile(flat, n // flat.size)


def _clamp(op, y):
    return np.clip(y, get_int(op, "clamp_min"), get_int(op, "clamp_max")).astype(np.int8)


def _add(op, a, b):
    a64 = a.reshape(-1).astype(np.int64) - get_int(op, "lhs_zp")
    b64 = _broadcast(b, a.size) - get_int(op, "rhs_zp")
    acc = a64 * get_int(op, "lhs_mult") + b64 * get_int(op, "rhs_mult")
    return _clamp(op, get_int(op, "out_zp") + rshift_round(acc, get_int(op, "shift"))).reshape(a.shape)


def _mul(op, a, b):
    a64 = a.reshape(-1).astype(np.int64) - get_int(op, "lhs_zp")
    b64 = _broadcast(b, a.size) - get_int(op, "rhs_zp")
    y = get_int(op, "out_zp") + rshift_round(a64 * b64 * get_int(op, "mult"), get_int(op, "shift"))
    return _clamp(op, y).reshape(a.shape)


def _rescale(op, x):
    y = rshift_round((x.astype(np.int64) - get_int(op, "in_zp")) * get_int(op, "mult"), get_int(op, "shift"))
    return _clamp(op, get_int(op, "out_zp") + y)


def _maxpool(op, x):
    p = window_patches(x.astype(np.int64), get_array(op, "kernel"), get_array(op, "stride"),
                       get_array(op, "pad"), fill=-(1 << 40))
    return p.max(axis=(3, 4)).astype(np.int8)


def _avgpool(op, x):
    kernel, stride, pad = get_array(op, "kernel"), get_array(op, "stride"), get_array(op, "pad")
    zp = get_int(op, "in_zp")
    s = window_patches(x.astype(np.int64) - zp, kernel, stride, pad, fill=0).sum(axis=(3, 4))
    if get_int(op, "count_include_pad"):
        cnt = np.full(s.shape, kernel[0] * kernel[1], np.int64)
    else:
        ones = np.ones(x.shape[:3] + (1,), np.int64)
        cnt = window_patches(ones, kernel, stride, pad, fill=0).sum(axis=(3, 4))
    num = s * get_int(op, "mult")
    den = np.broadcast_to(cnt << get_int(op, "shift"), num.shape)
    q = (2 * np.abs(num) + den) // (2 * den) * np.sign(num)  # round half away from zero
    return _clamp(op, get_int(op, "out_zp") + q)


_UNARY = {
    "imc.conv2d": _conv2d, "imc.matmul": _matmul, "dpu.dwconv2d": _dwconv2d,
    "dpu.rescale": _rescale, "dpu.maxpool": _maxpool, "dpu.avgpool": _avgpool,
    "dpu.transpose": lambda op, x: np.ascontiguousarray(np.transpose(x, get_array(op, "perms"))),
}
_BINARY = {"dpu.add": _add, "dpu.mul": _mul}


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
        out_shape = list(op.results[0].type.shape)
        if name in _UNARY:
            y = _UNARY[name](op, env[op.operands[0]])
        elif name in _BINARY:
            y = _BINARY[name](op, env[op.operands[0]], env[op.operands[1]])
        elif name == "dpu.reshape":
            y = env[op.operands[0]].reshape(out_shape)
        elif name == "dpu.slice":
            axis, start = get_int(op, "axis"), get_int(op, "start")
            y = np.take(env[op.operands[0]], range(start, start + out_shape[axis]), axis=axis)
        elif name == "dpu.concat":
            y = np.concatenate([env[v] for v in op.operands], axis=get_int(op, "axis"))
        else:
            raise NotImplementedError(f"integer reference: no semantics for {name}")
        env[op.results[0]] = y.reshape(out_shape)
    raise ValueError("function has no return")
