"""A float reference interpreter for the TOSA subset convc's frontend produces.

It serves three purposes: constant folding (evaluate ops whose operands are all constants),
calibration (record every activation over the calibration set) and the float side of
verification when onnxruntime is not the point. Layouts and attribute meanings follow the
TOSA specification (NHWC, OHWI weights, pads as top/bottom/left/right).
"""

import numpy as np

from convc.errors import UnsupportedOpError
from convc.ir.locations import describe
from convc.dialects.integer import resize_nearest_index, resize_taps, window_patches
from convc.ir.mlir import ir
from convc.ir.schema import POOL_COUNTS_PAD
from convc.ir.util import defining_op, is_constant


def const_value(op, copy: bool = True) -> np.ndarray:
    """The numpy value of a tosa.const / tosa.const_shape / arith.constant; copy=False: a
    read-only view of the attribute's storage where MLIR allows one (it lives as long as the
    context)."""
    attr = op.attributes["values" if "values" in op.attributes else "value"]
    arr = np.array(attr) if copy else np.asarray(attr)
    shape = ir.ShapedType(attr.type).shape
    return arr.reshape(shape) if arr.size == int(np.prod(shape)) else np.broadcast_to(arr, shape).copy()


def scalar_constant(value):
    """The float of a one-element constant value, or None (not a constant, or not a scalar)."""
    if not is_constant(value):
        return None
    c = const_value(defining_op(value))
    return float(c.reshape(-1)[0]) if c.size == 1 else None


def int_array(op, name) -> list[int]:
    """An integer-array attribute (dense i32/i64 array, or dense elements) as a list."""
    attr = op.attributes[name]
    for kind in (ir.DenseI64ArrayAttr, ir.DenseI32ArrayAttr):
        if isinstance(attr, kind):
            return list(kind(attr))
    return [int(v) for v in np.array(attr).reshape(-1)]


def _float_attr(op, name):
    return ir.FloatAttr(op.attributes[name]).value


def _conv2d(op, env):
    x, w, b = (env[v] for v in list(op.operands)[:3])
    stride, pad = int_array(op, "stride"), int_array(op, "pad")
    if w.shape[1:3] == (1, 1) and stride == [1, 1] and not any(pad):
        p = x  # a pointwise conv is a matmul: no windows to gather
    else:
        p = window_patches(x, w.shape[1:3], stride, pad, int_array(op, "dilation"))
    # OHWI weights are already [O, K] with K in the patches' (kh, kw, C) order: BLAS reads the
    # transposed view, where tensordot would copy every layer's weights once per sample.
    y = np.dot(p.reshape(-1, w[0].size), w.reshape(w.shape[0], -1).T).reshape(*p.shape[:3], -1)
    y += b.reshape(-1)
    return y.astype(np.float32, copy=False)


def _depthwise(op, env):
    x, w, b = (env[v] for v in list(op.operands)[:3])
    kh, kw, c, mult = w.shape
    p = window_patches(x, (kh, kw), int_array(op, "stride"), int_array(op, "pad"), int_array(op, "dilation"))
    y = np.einsum("nhwyxc,yxcm->nhwcm", p, w).reshape(*p.shape[:3], c * mult)
    return (y + b.reshape(-1)).astype(np.float32)


def _transpose_conv2d(op, env):
    """out[oy, ox] += in[iy, ix] * w[ky, kx] at oy = iy * stride + out_pad_top + ky (TOSA)."""
    x, w, b = (env[v] for v in list(op.operands)[:3])
    n, ih, iw, _ = x.shape
    _, oh, ow, c_out = ir.ShapedType(op.results[0].type).shape
    sy, sx = int_array(op, "stride")
    top, _, left, _ = int_array(op, "out_pad")
    out = np.zeros((n, oh, ow, c_out), np.float64)
    for ky in range(w.shape[1]):
        for kx in range(w.shape[2]):
            oy, ox = np.arange(ih) * sy + top + ky, np.arange(iw) * sx + left + kx
            ry, rx = (oy >= 0) & (oy < oh), (ox >= 0) & (ox < ow)
            contrib = np.einsum("nhwi,oi->nhwo", x[:, ry][:, :, rx], w[:, ky, kx, :])
            out[np.ix_(range(n), oy[ry], ox[rx])] += contrib
    return (out + b.reshape(-1)).astype(np.float32)


def _pool(op, env, kind):
    x = env[op.operands[0]]
    fill = -np.inf if kind == "max" else 0.0
    p = window_patches(x, int_array(op, "kernel"), int_array(op, "stride"), int_array(op, "pad"), fill=fill)
    if kind == "max":
        return p.max(axis=(3, 4))
    if POOL_COUNTS_PAD.has(op):  # the padding came from a Pad node: its zeros are elements
        return (p.sum(axis=(3, 4)) / (p.shape[3] * p.shape[4])).astype(np.float32)
    ones = window_patches(np.ones_like(x[..., :1]), int_array(op, "kernel"), int_array(op, "stride"), int_array(op, "pad"))
    return (p.sum(axis=(3, 4)) / ones.sum(axis=(3, 4))).astype(np.float32)


def resize_mode(op) -> str:
    """A tosa.resize's mode, "NEAREST_NEIGHBOR" or "BILINEAR" (the attribute prints as an enum)."""
    text = str(op.attributes["mode"])
    return "BILINEAR" if "BILINEAR" in text else "NEAREST_NEIGHBOR"


def resize_params(op, env=None):
    """(scale [y_n, y_d, x_n, x_d], offset [y, x]) of a tosa.resize, from its shape operands."""
    def value(v):
        return [int(a) for a in np.asarray(env[v] if env is not None else const_value(v.owner)).reshape(-1)]
    return value(op.operands[1]), value(op.operands[2])


def _resize(op, env):
    """TOSA RESIZE in floating point: the source position of each output pixel comes from
    integer scale and offset; bilinear weights are the remainders over scale_n."""
    x = env[op.operands[0]].astype(np.float32)
    (yn, yd, xn, xd), (oy, ox) = resize_params(op, env)
    _, out_h, out_w, _ = ir.ShapedType(op.results[0].type).shape
    y0, y1, ry = resize_taps(out_h, yn, yd, oy, x.shape[1])
    x0, x1, rx = resize_taps(out_w, xn, xd, ox, x.shape[2])
    if resize_mode(op) == "NEAREST_NEIGHBOR":
        return x[:, resize_nearest_index(y0, y1, ry, yn)][:, :, resize_nearest_index(x0, x1, rx, xn)]
    dy = (ry / yn).astype(np.float32)[None, :, None, None]
    dx = (rx / xn).astype(np.float32)[None, None, :, None]
    top = x[:, y0][:, :, x0] * (1 - dx) + x[:, y0][:, :, x1] * dx
    bottom = x[:, y1][:, :, x0] * (1 - dx) + x[:, y1][:, :, x1] * dx
    return (top * (1 - dy) + bottom * dy).astype(np.float32)


def _reduce(fn):
    def evaluate(op, env):
        return fn(env[op.operands[0]], axis=int_array(op, "axis")[0], keepdims=True).astype(np.float32)
    return evaluate


def _binary(fn):
    return lambda op, env: fn(env[op.operands[0]], env[op.operands[1]]).astype(np.float32)


def _erf(x):
    import scipy.special  # here: importing scipy costs every compile 0.2 s, and only GELU needs erf
    return scipy.special.erf(x)


def _unary(fn):
    def evaluate(op, env):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(fn(np.asarray(env[op.operands[0]], np.float32))).astype(np.float32)
    return evaluate


def _compare(fn):
    return lambda op, env: fn(env[op.operands[0]], env[op.operands[1]])


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|, unlike 1 / (1 + exp(-x))


_EVAL = {
    "tosa.const": lambda op, env: const_value(op),
    "tosa.const_shape": lambda op, env: const_value(op),
    "arith.constant": lambda op, env: const_value(op),
    "tosa.transpose": lambda op, env: np.transpose(env[op.operands[0]], int_array(op, "perms")),
    "tosa.reshape": lambda op, env: env[op.operands[0]].reshape([int(d) for d in env[op.operands[1]]]),
    "tosa.slice": lambda op, env: env[op.operands[0]][tuple(
        slice(int(s), int(s) + int(n)) for s, n in zip(env[op.operands[1]], env[op.operands[2]]))],
    "tosa.concat": lambda op, env: np.concatenate([env[v] for v in op.operands],
                                                  axis=ir.IntegerAttr(op.attributes["axis"]).value),
    "tosa.pad": lambda op, env: np.pad(env[op.operands[0]], np.asarray(env[op.operands[1]], np.int64).reshape(-1, 2),
                                       constant_values=float(np.asarray(env[op.operands[2]]).reshape(-1)[0])),
    "tosa.conv2d": _conv2d,
    "tosa.depthwise_conv2d": _depthwise,
    "tosa.transpose_conv2d": _transpose_conv2d,
    "tosa.matmul": lambda op, env: np.matmul(env[op.operands[0]], env[op.operands[1]]).astype(np.float32),
    "tosa.add": _binary(np.add),
    "tosa.sub": _binary(np.subtract),
    "tosa.mul": _binary(np.multiply),
    "tosa.maximum": _binary(np.maximum),
    "tosa.minimum": _binary(np.minimum),
    "tosa.clamp": lambda op, env: np.clip(env[op.operands[0]], _float_attr(op, "min_val"),
                                          _float_attr(op, "max_val")),
    "tosa.rsqrt": _unary(lambda x: 1.0 / np.sqrt(x)),
    "tosa.reciprocal": _unary(lambda x: 1.0 / x),
    "tosa.negate": lambda op, env: -env[op.operands[0]],
    "tosa.sigmoid": _unary(_sigmoid),
    "tosa.tanh": _unary(np.tanh),
    "tosa.exp": _unary(np.exp),
    "tosa.erf": _unary(lambda x: _erf(x)),
    "tosa.log": _unary(np.log),
    "tosa.abs": _unary(np.abs),
    "tosa.floor": _unary(np.floor),
    "tosa.ceil": _unary(np.ceil),
    "tosa.pow": lambda op, env: _unary(lambda x: np.power(x, env[op.operands[1]]))(op, env),
    "tosa.greater": _compare(np.greater),
    "tosa.greater_equal": _compare(np.greater_equal),
    "tosa.equal": _compare(np.equal),
    "tosa.select": lambda op, env: np.where(env[op.operands[0]], env[op.operands[1]],
                                            env[op.operands[2]]).astype(np.float32),
    "tosa.identity": lambda op, env: env[op.operands[0]],
    "tosa.cast": lambda op, env: env[op.operands[0]].astype(np.float32),
    "tosa.max_pool2d": lambda op, env: _pool(op, env, "max"),
    "tosa.avg_pool2d": lambda op, env: _pool(op, env, "avg"),
    "tosa.resize": _resize,
    "tosa.reduce_max": _reduce(np.max),
    "tosa.reduce_sum": _reduce(np.sum),
}

# Ops that only describe shapes or constants; calibration does not record them.
STRUCTURAL = {"tosa.const", "tosa.const_shape", "arith.constant"}


def can_evaluate(op) -> bool:
    return op.operation.name in _EVAL


def evaluate_op(op, env) -> np.ndarray:
    fn = _EVAL.get(op.operation.name)
    if fn is None:
        raise UnsupportedOpError(f"{describe(op)} has no float reference in convc")
    return fn(op, env)


def entry_function(module: ir.Module):
    for op in module.body.operations:
        if op.operation.name == "func.func":
            return op
    raise UnsupportedOpError("the module has no function")


def run_function(func_op, inputs: list[np.ndarray], record=None, constants: dict | None = None):
    """Evaluate `func_op` on `inputs`; `record(op, value)` sees every computed result.
    `constants`, if given, keeps the constants' values between calls (reading a large dense
    attribute costs more than the arithmetic on it): pass the same dict for every sample.
    A value is dropped after its last use, so memory holds the live activations only (all of
    ResNet-50's at once would be hundreds of MB per sample)."""
    block = func_op.regions[0].blocks[0]
    ops = list(block.operations)
    last_use = {}
    for i, op in enumerate(ops):
        for v in op.operands:
            last_use[v] = i
    dying = {}
    for v, i in last_use.items():
        dying.setdefault(i, []).append(v)
    env = {arg: np.asarray(x, dtype=np.float32) for arg, x in zip(block.arguments, inputs)}
    for i, op in enumerate(ops):
        if op.operation.name == "func.return":
            return [env[v] for v in op.operands]
        if constants is not None and op.operation.name in STRUCTURAL:
            result = op.results[0]
            if result not in constants:  # a view, not a copy: the weights are most of the memory
                constants[result] = const_value(op, copy=False)
            env[result] = constants[result]
            continue
        env[op.results[0]] = value = evaluate_op(op, env)
        if record is not None and op.operation.name not in STRUCTURAL:
            record(op, value)
        for v in dying.get(i, ()):
            env.pop(v, None)
    raise UnsupportedOpError("function has no return")
