"""Lowerings of float TOSA to `dpu` ops: the functions DpuEngine.lowerings maps TOSA ops (and
the pseudo-ops of multi-op chains, convc/engines/base.py) to. Each takes the lowering toolkit
(convc/passes/lowering.py, `lw`) and the TOSA op, and binds the op's result to its int8 value.
"""

import math

import numpy as np

from convc import quant_math as qm
from convc.dialects import dpu
from convc.engines.base import ACTIVATION_MATMUL, LAYER_NORM, LOG_SOFTMAX, REDUCTION, SOFTMAX, UNARY_FUNCTION
from convc.errors import UnsupportedOpError
from convc.frontend import tosa_eval
from convc.ir.attrs import f64, i64, i64_array, numel, tensor_shape
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import POOL_COUNTS_PAD
from convc.ir.util import defining_op, dense_constant, is_constant, op_name
from convc.passes import layer_norm, softmax


def lower_depthwise_conv2d(lw, op):
    x, pad = lw.window_input(op)
    w = tosa_eval.const_value(defining_op(op.operands[1]))
    if w.shape[3] != 1:
        raise UnsupportedOpError(f"{describe(op)}: depthwise channel multiplier {w.shape[3]} is not supported")
    w = w[..., 0]
    b = np.broadcast_to(tosa_eval.const_value(defining_op(op.operands[2])).reshape(-1), (w.shape[2],))
    s_in, zp_in = lw.q(x)
    loc = op.location

    def build(p, out, lo, hi):
        wq, s_w = qm.weight_qparams(w, axis=2, precision=p.weights)
        # The DPU subtracts the zero point itself, so the bias needs no correction here.
        bias = dense_constant(np.clip(np.rint(b / (s_in * s_w)), -2**31, 2**31 - 1).astype(np.int32), loc=loc)
        return dpu.DwConv2dOp(
            lw.vmap[x], dense_constant(wq, loc=loc), bias,
            i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad),
            i64_array(tosa_eval.int_array(op, "dilation")),
            **lw.requant_attrs(s_in, s_w, zp_in, out, lo, hi, p), output=lw.i8(lw.shape(out)), loc=loc)
    lw.bind(*lw.layer(op.results[0], build, has_weights=True))


def lower_add_sub(lw, op):
    lhs, rhs = op.operands[0], op.operands[1]
    sign_l, sign_r = 1.0, (-1.0 if op_name(op) == "tosa.sub" else 1.0)
    if (is_constant(lhs) and not is_constant(rhs)) or numel(lhs) < numel(rhs):  # the broadcast one second
        lhs, rhs, sign_l, sign_r = rhs, lhs, sign_r, sign_l
    s_a, zp_a = lw.q(lhs)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        (s_b, zp_b), b = lw.rhs_operand(op, rhs, lhs)
        (m_a, m_b), shift = qm.shared_shift_multipliers([sign_l * s_a / s_out, sign_r * s_b / s_out])
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return dpu.AddOp(lw.vmap[lhs], b, i64(zp_a), i64(m_a), i64(zp_b), i64(m_b), i64(shift),
                         i64(zp_out), f64(s_out), i64(cmin), i64(cmax), output=lw.i8(lw.shape(out)),
                         loc=op.location)
    lw.bind(*lw.layer(op.results[0], build))


def lower_mul(lw, op):
    lhs, rhs = op.operands[0], op.operands[1]
    if (is_constant(lhs) and not is_constant(rhs)) or numel(lhs) < numel(rhs):  # the broadcast one second
        lhs, rhs = rhs, lhs
    s_a, zp_a = lw.q(lhs)
    scalar = lw.scalar_const(rhs)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        if scalar is not None:  # multiplying by a constant only changes the scale
            mult, shift = qm.multiplier(s_a * scalar / s_out)
            return dpu.RescaleOp(lw.vmap[lhs], i64(zp_a), i64(mult), i64(shift), i64(zp_out),
                                 f64(s_out), i64(cmin), i64(cmax), output=lw.i8(lw.shape(out)), loc=op.location)
        (s_b, zp_b), b = lw.rhs_operand(op, rhs, lhs)
        mult, shift = qm.multiplier(s_a * s_b / s_out)
        return dpu.MulOp(lw.vmap[lhs], b, i64(zp_a), i64(zp_b), i64(mult), i64(shift), i64(zp_out),
                         f64(s_out), i64(cmin), i64(cmax), output=lw.i8(lw.shape(out)), loc=op.location)
    lw.bind(*lw.layer(op.results[0], build))


def lower_activation(lw, op):
    """A clamp that could not fuse into its producer: a DPU rescale with a clamp."""
    src = lw.activation_source(op)
    if src is None:
        raise UnsupportedOpError(f"{describe(op)}: element-wise max/min of two tensors is not supported")
    out, lo, hi = lw.activation_chain_from(op)
    s_in, zp_in = lw.q(src)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        mult, shift = qm.multiplier(s_in / s_out)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return dpu.RescaleOp(lw.vmap[src], i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out),
                             i64(cmin), i64(cmax), output=lw.i8(lw.shape(out)), loc=op.location)
    lw.bind(*lw.layer(out, build, fusion=(out, lo, hi)))


def lower_unary_function(lw, op):
    """A unary region (SiLU, GELU, sigmoid, ...) ending at `op`: one table lookup."""
    region = lw.unary[op.results[0]]

    def build(p, out, lo, hi):
        table, s_out, zp_out = lw.unary_table(region, out, p)
        return dpu.LutOp(lw.vmap[region.root], dense_constant(table, loc=op.location), f64(s_out), i64(zp_out),
                         output=lw.i8(lw.shape(out)), loc=op.location)
    # The region already holds the clamps that follow it, so nothing more fuses.
    lw.bind(*lw.layer(region.output, build, fusion=(region.output, -math.inf, math.inf)))


def _lower_rows(lw, op, what, make):
    """A (log-)softmax chain ending at `op` (passes/softmax.py): one row op, built by
    make(x, s_in, s_out, zp_out, cmin, cmax, output type), over the rows of its innermost axis."""
    sm = lw.chains[op.results[0]]
    shape = lw.shape(sm.root)
    axis = sm.axis % len(shape)
    if any(d != 1 for d in shape[axis + 1:]):
        raise UnsupportedOpError(f"{describe(op)}: {what} over axis {axis} of a {shape} tensor is not supported "
                                 f"(only the innermost axis, whose elements are contiguous rows)")
    s_in, _ = lw.q(sm.root)
    x = lw.vmap[sm.root]
    if axis != len(shape) - 1:  # trailing 1s: the rows are the axis itself
        x = dpu.ReshapeOp(x, lw.i8(shape[:axis + 1]), loc=op.location).output

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return make(x, s_in, s_out, zp_out, cmin, cmax, lw.i8(shape[:axis + 1]))
    new, out = lw.layer(sm.output, build)
    result = new.output
    if lw.shape(out) != tensor_shape(result):
        result = dpu.ReshapeOp(result, lw.i8(lw.shape(out)), loc=op.location).output
    lw.vmap[out] = result


def lower_softmax(lw, op):
    def make(x, s_in, s_out, zp_out, cmin, cmax, out_type):
        mult, shift = qm.multiplier(1.0 / s_out)
        table = dense_constant(softmax.exp_table(s_in), loc=op.location)
        return dpu.SoftmaxOp(x, table, i64(mult), i64(shift), i64(zp_out), f64(s_out), i64(cmin), i64(cmax),
                             output=out_type, loc=op.location)
    _lower_rows(lw, op, "softmax", make)


def lower_log_softmax(lw, op):
    def make(x, s_in, s_out, zp_out, cmin, cmax, out_type):
        mult, shift = qm.multiplier(1.0 / (65536.0 * s_out))
        table = dense_constant(np.concatenate([softmax.exp_table(s_in), softmax.log_table()]), loc=op.location)
        return dpu.LogSoftmaxOp(x, table, i64(round(65536.0 * s_in)), i64(mult), i64(shift), i64(zp_out), f64(s_out),
                                i64(cmin), i64(cmax), output=out_type, loc=op.location)
    _lower_rows(lw, op, "log-softmax", make)


def lower_layer_norm(lw, op):
    """A layer normalisation chain ending at `op` (passes/layer_norm.py): one dpu.layernorm over
    the rows of its innermost axis, gamma and beta folded into integer gains and offsets."""
    ln = lw.chains[op.results[0]]
    s_in, zp_in = lw.q(ln.root)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        eps_term, gains, offsets, shift, sqrt_shift = layer_norm.integer_params(ln, s_in, s_out)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return dpu.LayerNormOp(lw.vmap[ln.root], dense_constant(gains, loc=op.location),
                               dense_constant(offsets, loc=op.location), i64(zp_in), i64(eps_term), i64(shift),
                               i64(sqrt_shift), i64(zp_out), f64(s_out), i64(cmin), i64(cmax),
                               output=lw.i8(lw.shape(out)), loc=op.location)
    lw.bind(*lw.layer(ln.output, build))


def lower_activation_matmul(lw, op):
    """A product of two activations [B, M, K] x [B, K, N] (attention): one dpu.batch_matmul."""
    a, b = op.operands[0], op.operands[1]
    (s_a, zp_a), (s_b, zp_b) = lw.q(a), lw.q(b)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        mult, shift = qm.multiplier(s_a * s_b / s_out)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return dpu.BatchMatmulOp(lw.vmap[a], lw.vmap[b], i64(zp_a), i64(zp_b), i64(mult), i64(shift), i64(zp_out),
                                 f64(s_out), i64(cmin), i64(cmax), output=lw.i8(lw.shape(out)), loc=op.location)
    lw.bind(*lw.layer(op.results[0], build))


def lower_reduction(lw, op):
    """A sum, mean or max over adjacent axes (passes/reductions.py): the input viewed as the
    NHWC map [1, outer*K, 1, inner] and pooled by a K x 1 window with stride K, one command."""
    red = lw.chains[op.results[0]]
    outer, k, inner = red.view()
    s_in, zp_in = lw.q(red.root)
    x = dpu.ReshapeOp(lw.vmap[red.root], lw.i8([1, outer * k, 1, inner]), loc=op.location).output
    window, pooled = (i64_array([k, 1]), i64_array([k, 1])), lw.i8([1, outer, 1, inner])
    if red.factor is None:  # the max keeps the input's codes and quantization
        new = dpu.MaxPoolOp(x, *window, i64_array([0, 0, 0, 0]), i64(zp_in), f64(s_in), output=pooled,
                            loc=op.location)
        out = red.output
    else:
        def build(p, out, lo, hi):
            s_out, zp_out = lw.q_out(out, p)
            # The pool divides the window sum by K; the sum's factor (1/K for a mean) and the
            # rescale make the multiplier.
            mult, shift = qm.multiplier(red.factor * k * s_in / s_out, max_shift=40)
            cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
            return dpu.AvgPoolOp(x, *window, i64_array([0, 0, 0, 0]), i64(0), i64(zp_in), i64(mult), i64(shift),
                                 i64(zp_out), f64(s_out), i64(cmin), i64(cmax), output=pooled, loc=op.location)
        new, out = lw.layer(red.output, build)
    lw.vmap[out] = dpu.ReshapeOp(new.output, lw.i8(lw.shape(out)), loc=op.location).output


def lower_max_pool2d(lw, op):
    x, pad = lw.window_input(op)
    s, zp = lw.q(x)
    new = dpu.MaxPoolOp(lw.vmap[x], i64_array(tosa_eval.int_array(op, "kernel")),
                        i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad), i64(zp), f64(s),
                        output=lw.i8(lw.shape(op.results[0])), loc=op.location)
    lw.vmap[op.results[0]] = new.output


def lower_avg_pool2d(lw, op):
    x, pad = lw.window_input(op)
    s_in, zp_in = lw.q(x)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        mult, shift = qm.multiplier(s_in / s_out, max_shift=40)
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
        return dpu.AvgPoolOp(lw.vmap[x], i64_array(tosa_eval.int_array(op, "kernel")),
                             i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad),
                             i64(1 if POOL_COUNTS_PAD.has(op) else 0),
                             i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out), i64(cmin),
                             i64(cmax), output=lw.i8(lw.shape(out)), loc=op.location)
    lw.bind(*lw.layer(op.results[0], build))


def lower_resize(lw, op):
    """Nearest copies codes (the quantization stays the input's); bilinear divides its integer
    weighted sum by scale_y_n * scale_x_n inside the requantization multiplier."""
    x = op.operands[0]
    scale, offset = tosa_eval.resize_params(op)
    s_in, zp_in = lw.q(x)

    def resize(bilinear, mult, shift, zp_out, s_out, cmin, cmax, out):
        return dpu.ResizeOp(lw.vmap[x], i64(bilinear), i64_array(scale), i64_array(offset), i64(zp_in),
                            i64(mult), i64(shift), i64(zp_out), f64(s_out), i64(cmin), i64(cmax),
                            output=lw.i8(lw.shape(out)), loc=op.location)

    def build(p, out, lo, hi):
        s_out, zp_out = lw.q_out(out, p)
        mult, shift = qm.multiplier(s_in / (s_out * scale[0] * scale[2]))
        return resize(1, mult, shift, zp_out, s_out, *qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits), out)
    if tosa_eval.resize_mode(op) == "BILINEAR":
        lw.bind(*lw.layer(op.results[0], build))
    else:  # a copy of codes: no requantization, so no clamp can fuse into it
        lw.vmap[op.results[0]] = resize(0, 0, 1, zp_in, s_in, qm.QMIN, qm.QMAX, op.results[0]).output


def merged_transpose(shape, perm):
    """(shape, perm) of the same data movement with unit axes dropped and axes that stay
    neighbours merged: [1, 65, 1, 3, 64] by [3, 1, 2, 0, 4] is [65, 3, 64] by [1, 0, 2]."""
    keep = [a for a in range(len(shape)) if shape[a] != 1]
    groups = []  # runs of kept input axes (as positions in `keep`), in output order
    for a in perm:
        if shape[a] == 1:
            continue
        k = keep.index(a)
        if groups and groups[-1][-1] == k - 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    by_input = sorted(groups)
    dims = [math.prod(shape[keep[k]] for k in g) for g in by_input]
    return dims, [by_input.index(g) for g in groups]


def lower_transpose(lw, op):
    """A transpose; one that only moves unit axes is a view, and one of rank > 4 is done at
    the rank its merged form needs (the DPU's TRANSPOSE has at most 4 axes)."""
    x, out = lw.vmap[op.operands[0]], op.results[0]
    shape, perm = lw.shape(op.operands[0]), tosa_eval.int_array(op, "perms")
    dims, merged = merged_transpose(shape, perm)
    if merged == sorted(merged):  # no element moves
        lw.vmap[out] = dpu.ReshapeOp(x, lw.i8(lw.shape(out)), loc=op.location).output
        return
    if len(shape) <= 4:  # kept as written: layout transposes are banded by their 4-D form
        dims, merged = shape, perm
    else:
        x = dpu.ReshapeOp(x, lw.i8(dims), loc=op.location).output
    moved = dpu.TransposeOp(x, ir.DenseI64ArrayAttr.get(merged), output=lw.i8([dims[p] for p in merged]),
                            loc=op.location).output
    if len(shape) > 4:
        moved = dpu.ReshapeOp(moved, lw.i8(lw.shape(out)), loc=op.location).output
    lw.vmap[out] = moved


def lower_reshape(lw, op):
    new = dpu.ReshapeOp(lw.vmap[op.operands[0]], lw.i8(lw.shape(op.results[0])), loc=op.location)
    lw.vmap[op.results[0]] = new.output


def lower_slice(lw, op):
    """A slice that is not a crop folded into a window op (Split, Slice, the channel groups of
    a grouped convolution): one single-axis slice per sliced axis, each a view or a copy."""
    start = [int(v) for v in tosa_eval.const_value(defining_op(op.operands[1])).reshape(-1)]
    part = lw.vmap[op.operands[0]]
    for axis, (first, size) in enumerate(zip(start, lw.shape(op.results[0]))):
        part = dpu.slice_along(part, axis, first, size, op.location)
    lw.vmap[op.results[0]] = part


def lower_concat(lw, op):
    out = op.results[0]
    s_out, zp_out = lw.q(out)
    parts = []
    for v in op.operands:
        if is_constant(v):  # a learned token (a ViT's class token): quantized at the output's scale
            codes = qm.quantize(tosa_eval.const_value(defining_op(v)), s_out, zp_out)
            parts.append(dense_constant(codes, loc=op.location))
            continue
        s_in, zp_in = lw.q(v)
        part = lw.vmap[v]
        if (s_in, zp_in) != (s_out, zp_out):  # bring every input to the output's quantization
            mult, shift = qm.multiplier(s_in / s_out)
            part = dpu.RescaleOp(part, i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out),
                                 i64(qm.QMIN), i64(qm.QMAX), output=lw.i8(lw.shape(v)), loc=op.location).output
        parts.append(part)
    axis = ir.IntegerAttr(op.attributes["axis"]).value
    lw.vmap[out] = dpu.concat(parts, axis, lw.shape(out), op.location)


LOWERINGS = {"tosa.depthwise_conv2d": lower_depthwise_conv2d, "tosa.add": lower_add_sub,
             "tosa.sub": lower_add_sub, "tosa.mul": lower_mul, "tosa.clamp": lower_activation,
             "tosa.maximum": lower_activation, "tosa.minimum": lower_activation,
             "tosa.max_pool2d": lower_max_pool2d, "tosa.avg_pool2d": lower_avg_pool2d,
             "tosa.resize": lower_resize,
             "tosa.transpose": lower_transpose, "tosa.reshape": lower_reshape, "tosa.concat": lower_concat,
             "tosa.slice": lower_slice,
             UNARY_FUNCTION: lower_unary_function, SOFTMAX: lower_softmax, LOG_SOFTMAX: lower_log_softmax, LAYER_NORM: lower_layer_norm,
             ACTIVATION_MATMUL: lower_activation_matmul, REDUCTION: lower_reduction}
