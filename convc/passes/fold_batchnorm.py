"""convc-fold-batchnorm: absorb per-channel affine ops into the producing convolution.

After constant folding, an inference-mode BatchNormalization is `x - mean`, `* scale`, `+ shift`
with per-channel constants. When such an op is the only user of a conv2d / depthwise_conv2d
result, it folds into that op's weights and bias; a multiply after a matmul folds into its
weight columns (a matmul has no bias operand: a following add stays and becomes the IMC bias
during lowering). Folding repeats until no pattern is left.
"""

import numpy as np

from convc.frontend import tosa_eval
from convc.ir.util import (body_ops, defining_op, entry_func, erase_dead, is_constant,
                                   op_name, tosa_constant, users)
from convc.ir.mlir import ir
from convc.passes.api import Pass, no_target

AFFINE = ("tosa.mul", "tosa.add", "tosa.sub")
PRODUCERS = ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.matmul")


def _per_channel(const: np.ndarray, channels: int):
    """The constant as a [channels] vector if it broadcasts only along the last axis."""
    if const.size == 1:
        return np.full(channels, const.reshape(-1)[0], dtype=np.float32)
    if const.shape[-1] == channels and const.size == channels:
        return const.reshape(channels).astype(np.float32)
    return None


def _affine_user(producer):
    """(user op, per-channel constant) if the producer's only user is a foldable affine op."""
    result = producer.results[0]
    uses = users(result)
    if len(uses) != 1 or op_name(uses[0]) not in AFFINE:
        return None
    user = uses[0]
    lhs, rhs = user.operands[0], user.operands[1]
    if rhs != result and not is_constant(rhs):
        return None
    if rhs == result and (op_name(user) == "tosa.sub" or not is_constant(lhs)):
        return None  # `c - x` negates the weights too; leave it to the DPU
    const_val = rhs if lhs == result else lhs
    channels = ir.RankedTensorType(result.type).shape[-1]
    vec = _per_channel(tosa_eval.const_value(defining_op(const_val)), channels)
    if vec is None:
        return None
    if op_name(producer) == "tosa.matmul" and op_name(user) != "tosa.mul":
        return None
    return user, vec


def _fold(producer, user, vec) -> None:
    kind = op_name(user)
    ip = ir.InsertionPoint(producer)
    loc = producer.location
    weights_op = defining_op(producer.operands[1])
    w = tosa_eval.const_value(weights_op)
    if kind == "tosa.mul":
        if op_name(producer) == "tosa.conv2d":
            w = w * vec.reshape(-1, 1, 1, 1)
        elif op_name(producer) == "tosa.depthwise_conv2d":
            w = w * vec.reshape(w.shape[2], w.shape[3])
        else:
            w = w * vec.reshape(1, 1, -1)
        producer.operands[1] = tosa_constant(w, loc=loc, ip=ip)
    if op_name(producer) != "tosa.matmul":
        b = np.broadcast_to(tosa_eval.const_value(defining_op(producer.operands[2])).reshape(-1),
                            vec.shape).astype(np.float32)
        b = b * vec if kind == "tosa.mul" else (b + vec if kind == "tosa.add" else b - vec)
        producer.operands[2] = tosa_constant(b, loc=loc, ip=ip)
    user.results[0].replace_all_uses_with(producer.results[0])
    user.erase()


def _hoist_over_transpose(op) -> bool:
    """Rewrite `affine(transpose(x), c)` as `transpose(affine(x, c'))`.

    torch-mlir returns to NCHW between a convolution and its BatchNormalization when they meet
    a layout-sensitive op; moving the affine op back above the transpose puts it next to the
    convolution again.
    """
    if op_name(op) not in AFFINE:
        return False
    lhs, rhs = op.operands[0], op.operands[1]
    if not is_constant(rhs) or is_constant(lhs):
        return False
    transpose = defining_op(lhs)
    if transpose is None or op_name(transpose) != "tosa.transpose" or len(users(lhs)) != 1:
        return False
    perms = tosa_eval.int_array(transpose, "perms")
    out_shape = list(ir.RankedTensorType(op.results[0].type).shape)
    const = tosa_eval.const_value(defining_op(rhs))
    const = const.reshape((1,) * (len(out_shape) - const.ndim) + const.shape)
    inverse = list(np.argsort(perms))
    source = transpose.operands[0]
    ip, loc = ir.InsertionPoint(op), op.location
    new_const = tosa_constant(np.transpose(const, inverse), loc=loc, ip=ip)
    extra = list(op.operands)[2:]  # tosa.mul's shift operand
    affine = ir.Operation.create(op_name(op), results=[source.type],
                                 operands=[source, new_const, *extra], loc=loc, ip=ip)
    moved = ir.Operation.create("tosa.transpose", results=[op.results[0].type],
                                operands=[affine.results[0]],
                                attributes={"perms": transpose.attributes["perms"]}, loc=loc, ip=ip)
    op.results[0].replace_all_uses_with(moved.results[0])
    op.erase()
    transpose.erase()
    return True


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    folded = 0
    changed = True
    while changed:
        changed = False
        for op in body_ops(func_op):
            if _hoist_over_transpose(op):
                changed = True
                break
            if op_name(op) not in PRODUCERS or not is_constant(op.operands[1]):
                continue
            if op_name(op) != "tosa.matmul" and not is_constant(op.operands[2]):
                continue
            match = _affine_user(op)
            if match:
                _fold(op, *match)
                folded += 1
                changed = True
    erase_dead(func_op)
    ctx.info["folded_affine_ops"] = ctx.info.get("folded_affine_ops", 0) + folded


PASS = Pass("convc-fold-batchnorm", run,
            "Fold per-channel mul/add/sub (inference BatchNormalization) into conv/matmul weights",
            target_key=no_target)
