"""convc-fold-pad: explicit padding becomes the padding of the window op it feeds.

Exporters write "same" padding as a `Pad` node before the convolution whenever it is
asymmetric (stride 2, even kernels) or computed at run time (EfficientNet's dynamic padding,
folded to constants by onnxsim), and `auto_pad=SAME_*` imports the same way. torch-mlir pads in
NCHW between two transposes, so the pass first moves a pad below a transpose (permuting its
amounts) and composes back-to-back transposes (dropping them when they cancel). A zero pad of H
and W feeding a conv2d / depthwise_conv2d then adds to the op's own `pad`; an avg_pool2d
without padding of its own takes it with `convc.count_include_pad` (the padded zeros are real
elements, counted in the mean); a max_pool2d takes a pad of -inf or the lowest float.

A pad left over (a non-zero value, padding of N or C, or a user that is no window op) stays and
is refused by lowering with the node's name.
"""

import numpy as np

from convc.frontend import tosa_eval
from convc.ir.mlir import ir
from convc.ir.schema import POOL_COUNTS_PAD
from convc.ir.util import body_ops, defining_op, entry_func, erase_dead, op_name, users
from convc.passes.api import Pass, no_target

CONVS = ("tosa.conv2d", "tosa.depthwise_conv2d")
LOWEST = -3.0e38  # a max-pool pad at or below this never wins a window


def pad_amounts(pad) -> np.ndarray:
    """[[before, after] per dimension] of a tosa.pad."""
    return np.asarray(tosa_eval.const_value(defining_op(pad.operands[1])), np.int64).reshape(-1, 2)


def pad_value(pad) -> float:
    return float(tosa_eval.const_value(defining_op(pad.operands[2])).reshape(-1)[0])


def _shape_const(amounts, loc, ip):
    n = amounts.size
    values = ir.Attribute.parse(f"dense<{[int(a) for a in amounts.reshape(-1)]}> : tensor<{n}xindex>")
    return ir.Operation.create("tosa.const_shape", results=[ir.Type.parse(f"!tosa.shape<{n}>")],
                               attributes={"values": values}, loc=loc, ip=ip).results[0]


def _transpose(x, perms, result_type, loc, ip):
    return ir.Operation.create("tosa.transpose", results=[result_type], operands=[x],
                               attributes={"perms": ir.DenseI32ArrayAttr.get([int(p) for p in perms])},
                               loc=loc, ip=ip).results[0]


def _sink_below_transpose(op) -> bool:
    """transpose(pad(x)) -> pad(transpose(x)), the amounts permuted with the dimensions."""
    if op_name(op) != "tosa.transpose":
        return False
    pad = defining_op(op.operands[0])
    if pad is None or op_name(pad) != "tosa.pad" or len(users(pad.results[0])) != 1:
        return False
    perms = tosa_eval.int_array(op, "perms")
    x = pad.operands[0]
    amounts = pad_amounts(pad)[perms]
    ip, loc = ir.InsertionPoint(op), op.location
    in_shape = list(x.type.shape)
    elem = x.type.element_type
    moved = _transpose(x, perms, ir.RankedTensorType.get([in_shape[p] for p in perms], elem), loc, ip)
    new_pad = ir.Operation.create("tosa.pad", results=[op.results[0].type],
                                  operands=[moved, _shape_const(amounts, pad.location, ip), pad.operands[2]],
                                  loc=pad.location, ip=ip)
    op.results[0].replace_all_uses_with(new_pad.results[0])
    op.erase()
    pad.erase()
    return True


def _compose_transposes(op) -> bool:
    """transpose(transpose(y, p1), p2) -> transpose(y, p1[p2]), or y when that is the identity."""
    if op_name(op) != "tosa.transpose":
        return False
    inner = defining_op(op.operands[0])
    if inner is None or op_name(inner) != "tosa.transpose" or len(users(inner.results[0])) != 1:
        return False
    p1, p2 = tosa_eval.int_array(inner, "perms"), tosa_eval.int_array(op, "perms")
    perms = [p1[p] for p in p2]
    y = inner.operands[0]
    if perms == list(range(len(perms))):
        op.results[0].replace_all_uses_with(y)
    else:
        op.results[0].replace_all_uses_with(
            _transpose(y, perms, op.results[0].type, op.location, ir.InsertionPoint(op)))
    op.erase()
    inner.erase()
    return True


def _spatial(pad):
    """[top, bottom, left, right] of an NHWC pad of H and W only, or None."""
    a = pad_amounts(pad)
    if a.shape != (4, 2) or a[0].any() or a[3].any() or (a < 0).any():
        return None
    return [int(a[1, 0]), int(a[1, 1]), int(a[2, 0]), int(a[2, 1])]


def _into_window(op) -> bool:
    name = op_name(op)
    if name not in CONVS + ("tosa.avg_pool2d", "tosa.max_pool2d"):
        return False
    pad = defining_op(op.operands[0])
    if pad is None or op_name(pad) != "tosa.pad":
        return False
    extra, value = _spatial(pad), pad_value(pad)
    if extra is None:
        return False
    own = tosa_eval.int_array(op, "pad")
    if name in CONVS or name == "tosa.avg_pool2d":
        if value != 0.0 or (name == "tosa.avg_pool2d" and any(own)):
            return False  # a pool's own padding is not counted in its mean; the Pad's is
        if name == "tosa.avg_pool2d":
            POOL_COUNTS_PAD.set(op)
    elif value > LOWEST:
        return False
    op.attributes["pad"] = ir.DenseI64ArrayAttr.get([a + b for a, b in zip(own, extra)])
    op.operands[0] = pad.operands[0]
    return True


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    folded, changed = 0, True
    while changed:
        changed = False
        for op in body_ops(func_op):
            if _sink_below_transpose(op) or _compose_transposes(op):
                changed = True
                break
            if _into_window(op):
                folded += 1
                changed = True
                break
    erase_dead(func_op)
    if folded:
        ctx.info["folded_pads"] = folded


PASS = Pass("convc-fold-pad", run, "Fold explicit zero padding into the conv / pool it feeds (through transposes)", target_key=no_target)
