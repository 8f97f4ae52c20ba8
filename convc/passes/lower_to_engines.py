"""convc-lower-to-engines: calibrated float TOSA → int8 `imc` and `dpu` ops.

Convolutions and matrix products go to the IMC arrays, everything else to the DPU. Activation
functions (clamp, or max/min against scalar constants) that are the only user of an op's result
fuse into that op's integer clamp. Weights are quantized per output channel; the input zero
point is folded into the int32 bias, because the array multiplies raw int8 codes.
A new function with int8 arguments and results replaces the float one.

Each layer is built at int8 first, so annotation selectors see the real engine op; if a
`precision` rule (or a `reduced_precision` opportunity) picks another precision, the layer is
rebuilt from the float weights and the calibrated clipping range of that width. Consumers of
a narrowed tensor read its scale and zero point from here (`narrowed`), not from convc-quantize.
"""

import math

import numpy as np

from convc import quant_math as qm
from convc.frontend import tosa_eval
from convc.errors import UnsupportedOpError
from convc.engines import engine_of
from convc.ir.util import (body_ops, defining_op, dense_constant, entry_func, is_constant,
                                   op_name, users)
from convc.ir.locations import describe, node_name
from convc.ir.mlir import func, ir
from convc.passes.api import Pass
from convc.dialects import dpu, imc
from convc.ir.attrs import f64, i32_array, i64, i64_array
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.precision import INT8, choose
from convc.passes.quantize import TRANSPARENT, qparams_of
from convc.ir.schema import ACT_BITS, ID, NO_FUSE, WEIGHT_PRECISION

ACTIVATIONS = ("tosa.clamp", "tosa.maximum", "tosa.minimum")
PASS_THROUGH = ("tosa.identity", "tosa.cast")


def _i8(shape):
    return ir.RankedTensorType.get(list(shape), ir.IntegerType.get_signless(8))


def _shape(value):
    return list(ir.RankedTensorType(value.type).shape)


def _scalar_const(value):
    if not is_constant(value):
        return None
    c = tosa_eval.const_value(defining_op(value))
    return float(c.reshape(-1)[0]) if c.size == 1 else None


def _other_operand(op, value):
    return op.operands[1] if op.operands[0] == value else op.operands[0]


def _activation_source(op):
    """The tensor an activation op (clamp, or max/min against a scalar constant) acts on."""
    if op_name(op) == "tosa.clamp":
        return op.operands[0]
    for candidate in (op.operands[0], op.operands[1]):
        if _scalar_const(_other_operand(op, candidate)) is not None and not is_constant(candidate):
            return candidate
    return None


def _why_not_fused(value) -> str:
    uses = users(value)
    if len(uses) > 1 and any(op_name(u) in ACTIVATIONS for u in uses):
        return f"its result has {len(uses)} users, so an activation cannot be folded into it"
    return "no clamp, ReLU or max/min against a constant follows it"


def _compact_broadcast(const: np.ndarray, shape) -> np.ndarray:
    """The shortest repeating block of `const` broadcast to `shape` (rhs[i % len] indexing)."""
    full = np.broadcast_to(const, shape).reshape(-1)
    for j in range(len(shape), -1, -1):
        period = int(np.prod(shape[j:])) if j < len(shape) else 1
        if np.array_equal(full.reshape(-1, period), np.broadcast_to(full[:period], (full.size // period, period))):
            return full[:period].copy()
    return full.copy()


class _Lowering:
    def __init__(self, func_op, ctx):
        self.old = func_op
        self.ctx = ctx
        self.vmap = {}       # float value -> int8 value
        self.fused = set()   # float values produced by ops fused into an earlier one
        self.narrowed = {}   # float value -> (scale, zp) of a layer output below int8

    # -- helpers -------------------------------------------------------------------------
    def q(self, value):
        """(scale, zp) of a float value's codes; data-movement ops keep their input's."""
        if value in self.narrowed:
            return self.narrowed[value]
        src = defining_op(value)
        if src is not None and op_name(src) in TRANSPARENT:
            return self.q(src.operands[0])
        return qparams_of(value)

    def q_out(self, value, precision):
        """(scale, zp) for a layer output at `precision` activations."""
        if precision.act_bits == 8:
            return self.q(value)
        lo, hi = defining_op(value).attributes[f"convc.clip_{precision.activations}"]
        return qm.activation_qparams(lo, hi, precision.act_bits)

    def layer(self, start, build, has_weights=False, fusion=None):
        """Build a layer at int8, then apply the annotations: its precision, and whether the
        activations after it fuse into its clamp. Rebuilds if either differs from the default.

        `start` is the layer's own result; `build(precision, out, lo, hi)` creates the op (and
        its constants) producing `out` with the real clamp [lo, hi]. `fusion` fixes
        (out, lo, hi) for an op that is itself an activation. Returns (op, out).
        """
        fused_here, may_fuse = [], fusion is None
        if may_fuse:
            before = set(self.fused)
            fusion = self.activation_chain(start)
            fused_here = [v for v in self.fused if v not in before]
        new = build(INT8, *fusion)
        ID.set(new, self._engine_op_count() - 1)  # for `layer N` selectors
        precision, rule = choose(self.ctx, new, has_weights)
        fuse_rule = rule_for(self.ctx, "fuse", new) if may_fuse else None
        ID.delete(new)  # convc-check-precision numbers the final ops
        unfuse = fuse_rule is not None and not fuse_rule.value("fuse") and fused_here
        if fuse_rule is not None and fuse_rule.value("fuse") and not fused_here:
            refuse(self.ctx, fuse_rule, f"no activation can fuse into layer '{layer_of(new).node}' "
                                        f"({_why_not_fused(start)})", "no fusion")
            fuse_rule = None
        if unfuse:
            self.fused.difference_update(fused_here)
            fusion = (start, -math.inf, math.inf)
        if fuse_rule is not None:
            set_source(new, "fusion", fuse_rule)
        if rule is None and not unfuse:
            return new, fusion[0]  # int8 by heuristic; convc-check-precision records that
        self._discard(new)
        new = build(precision, *fusion)
        attrs = new.operation.attributes
        if fuse_rule is not None:
            set_source(new, "fusion", fuse_rule)
        if unfuse:
            NO_FUSE.set(new)
        if rule is not None:
            if has_weights:
                WEIGHT_PRECISION.set(new, precision.weights)
            ACT_BITS.set(new, precision.act_bits)
            set_source(new, "precision", rule)
        if precision.act_bits < 8:
            self.narrowed[fusion[0]] = (ir.FloatAttr(attrs["out_scale"]).value, ir.IntegerAttr(attrs["out_zp"]).value)
        return new, fusion[0]

    def bind(self, new, out):
        self.vmap[out] = new.output

    def _engine_op_count(self):
        return sum(1 for op in self.block.operations if engine_of(op) is not None)

    @staticmethod
    def _discard(op):
        constants = [v.owner for v in op.operands if is_constant(v)]
        op.operation.erase()
        for c in constants:
            if not list(c.results[0].uses):
                c.erase()

    def rhs_operand(self, rhs, lhs, loc):
        """((scale, zp), int8 value) of an element-wise op's second operand.

        A constant operand is quantized per tensor and stored as its shortest repeating block,
        which the DPU broadcasts by index modulo its length.
        """
        if not is_constant(rhs):
            return self.q(rhs), self.vmap[rhs]
        c = _compact_broadcast(tosa_eval.const_value(defining_op(rhs)), _shape(lhs))
        scale, zp = qm.activation_qparams(float(c.min()), float(c.max()))
        return (scale, zp), dense_constant(qm.quantize(c, scale, zp), loc=loc)

    def activation_chain(self, value):
        """Follow single-use activation ops; returns (last value, real lo, real hi)."""
        lo, hi = -math.inf, math.inf
        while True:
            uses = users(value)
            if len(uses) != 1 or op_name(uses[0]) not in ACTIVATIONS:
                return value, lo, hi
            user = uses[0]
            if op_name(user) == "tosa.clamp":
                lo = max(lo, ir.FloatAttr(user.attributes["min_val"]).value)
                hi = min(hi, ir.FloatAttr(user.attributes["max_val"]).value)
            else:
                c = _scalar_const(_other_operand(user, value))
                if c is None:
                    return value, lo, hi
                lo, hi = (max(lo, c), hi) if op_name(user) == "tosa.maximum" else (lo, min(hi, c))
            value = user.results[0]
            self.fused.add(value)

    def requant_attrs(self, s_in, s_w, zp_in, out_value, lo, hi, precision):
        s_out, zp_out = self.q_out(out_value, precision)
        mults, shifts = zip(*(qm.multiplier(s_in * sw / s_out) for sw in s_w))
        cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, precision.act_bits)
        return dict(in_zp=i64(zp_in), mult=i32_array(mults), shift=i32_array(shifts),
                    out_zp=i64(zp_out), out_scale=f64(s_out), clamp_min=i64(cmin), clamp_max=i64(cmax))

    def bias(self, b, wq_rows, s_in, s_w, zp_in, loc):
        """int32 bias at scale s_in*s_w with the input zero point's contribution removed."""
        b_q = np.rint(np.asarray(b, np.float64) / (s_in * s_w))
        b_eff = b_q - zp_in * wq_rows.astype(np.int64).sum(axis=1)
        return dense_constant(np.clip(b_eff, -2**31, 2**31 - 1).astype(np.int32), loc=loc)

    def window_input(self, op):
        """The conv/pool input, looking through a crop at the origin (negative bottom/right pads)."""
        x = op.operands[0]
        pad = tosa_eval.int_array(op, "pad")
        src = defining_op(x)
        while src is not None and op_name(src) == "tosa.slice":  # torch-mlir crops H and W separately
            start = [int(s) for s in tosa_eval.const_value(defining_op(src.operands[1]))]
            full, cropped = _shape(src.operands[0]), _shape(x)
            if any(start) or len(users(x)) != 1 or full[0] != cropped[0] or full[3] != cropped[3]:
                raise UnsupportedOpError(f"{describe(src)}: only spatial crops at the origin feeding a window op are supported")
            pad = [pad[0], pad[1] - (full[1] - cropped[1]), pad[2], pad[3] - (full[2] - cropped[2])]
            self.fused.add(x)
            x = src.operands[0]
            src = defining_op(x)
        return x, pad

    # -- op handlers ---------------------------------------------------------------------
    def conv2d(self, op):
        x, pad = self.window_input(op)
        w = tosa_eval.const_value(defining_op(op.operands[1]))
        b = np.broadcast_to(tosa_eval.const_value(defining_op(op.operands[2])).reshape(-1), (w.shape[0],))
        s_in, zp_in = self.q(x)
        loc = op.location

        def build(p, out, lo, hi):
            wq, s_w = qm.weight_qparams(w, axis=0, precision=p.weights)
            return imc.Conv2dOp(
                self.vmap[x], dense_constant(wq, loc=loc),
                self.bias(b, wq.reshape(w.shape[0], -1), s_in, s_w, zp_in, loc),
                i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad),
                i64_array(tosa_eval.int_array(op, "dilation")),
                **self.requant_attrs(s_in, s_w, zp_in, out, lo, hi, p), output=_i8(_shape(out)), loc=loc)
        self.bind(*self.layer(op.results[0], build, has_weights=True))

    def depthwise_conv2d(self, op):
        x, pad = self.window_input(op)
        w = tosa_eval.const_value(defining_op(op.operands[1]))
        if w.shape[3] != 1:
            raise UnsupportedOpError(f"{describe(op)}: depthwise channel multiplier {w.shape[3]} is not supported")
        w = w[..., 0]
        b = np.broadcast_to(tosa_eval.const_value(defining_op(op.operands[2])).reshape(-1), (w.shape[2],))
        s_in, zp_in = self.q(x)
        loc = op.location

        def build(p, out, lo, hi):
            wq, s_w = qm.weight_qparams(w, axis=2, precision=p.weights)
            # The DPU subtracts the zero point itself, so the bias needs no correction here.
            bias = dense_constant(np.clip(np.rint(b / (s_in * s_w)), -2**31, 2**31 - 1).astype(np.int32), loc=loc)
            return dpu.DwConv2dOp(
                self.vmap[x], dense_constant(wq, loc=loc), bias,
                i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad),
                i64_array(tosa_eval.int_array(op, "dilation")),
                **self.requant_attrs(s_in, s_w, zp_in, out, lo, hi, p), output=_i8(_shape(out)), loc=loc)
        self.bind(*self.layer(op.results[0], build, has_weights=True))

    def matmul(self, op):
        a, b = op.operands[0], op.operands[1]
        if not is_constant(b) or _shape(b)[0] != 1:
            raise UnsupportedOpError(f"{describe(op)}: only products with constant weights run on the IMC array")
        w = tosa_eval.const_value(defining_op(b))[0]  # [K, N]
        out = op.results[0]
        bias = np.zeros(w.shape[1])
        # A bias add may follow directly or after a reshape (Gemm → matmul, reshape, add).
        chain = [out]
        uses = users(out)
        if len(uses) == 1 and op_name(uses[0]) == "tosa.reshape":
            chain.append(uses[0].results[0])
            uses = users(chain[-1])
        if len(uses) == 1 and op_name(uses[0]) == "tosa.add":
            add = uses[0]
            other = add.operands[1] if add.operands[0] == chain[-1] else add.operands[0]
            if is_constant(other):
                c = tosa_eval.const_value(defining_op(other))
                if c.size in (1, w.shape[1]):
                    bias = np.broadcast_to(c.reshape(-1), (w.shape[1],))
                    chain.append(add.results[0])
        s_in, zp_in = self.q(a)
        loc = op.location

        def build(p, final, lo, hi):
            wq, s_w = qm.weight_qparams(w, axis=1, precision=p.weights)
            return imc.MatmulOp(
                self.vmap[a], dense_constant(wq, loc=loc),
                self.bias(bias, wq.T, s_in, s_w, zp_in, loc),
                **self.requant_attrs(s_in, s_w, zp_in, final, lo, hi, p), output=_i8(_shape(out)), loc=loc)
        new, final = self.layer(chain[-1], build, has_weights=True)
        result = new.output
        if _shape(final) != _shape(out):
            result = dpu.ReshapeOp(result, _i8(_shape(final)), loc=loc).output
        for v in chain[1:]:
            self.fused.add(v)
        self.vmap[final] = result

    def add_sub(self, op):
        lhs, rhs = op.operands[0], op.operands[1]
        sign_l, sign_r = 1.0, (-1.0 if op_name(op) == "tosa.sub" else 1.0)
        if is_constant(lhs) and not is_constant(rhs):
            lhs, rhs, sign_l, sign_r = rhs, lhs, sign_r, sign_l
        s_a, zp_a = self.q(lhs)

        def build(p, out, lo, hi):
            s_out, zp_out = self.q_out(out, p)
            (s_b, zp_b), b = self.rhs_operand(rhs, lhs, op.location)
            (m_a, m_b), shift = qm.shared_shift_multipliers([sign_l * s_a / s_out, sign_r * s_b / s_out])
            cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
            return dpu.AddOp(self.vmap[lhs], b, i64(zp_a), i64(m_a), i64(zp_b), i64(m_b), i64(shift),
                             i64(zp_out), f64(s_out), i64(cmin), i64(cmax), output=_i8(_shape(out)),
                             loc=op.location)
        self.bind(*self.layer(op.results[0], build))

    def mul(self, op):
        lhs, rhs = op.operands[0], op.operands[1]
        if is_constant(lhs) and not is_constant(rhs):
            lhs, rhs = rhs, lhs
        s_a, zp_a = self.q(lhs)
        scalar = _scalar_const(rhs)

        def build(p, out, lo, hi):
            s_out, zp_out = self.q_out(out, p)
            cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
            if scalar is not None:  # multiplying by a constant only changes the scale
                mult, shift = qm.multiplier(s_a * scalar / s_out)
                return dpu.RescaleOp(self.vmap[lhs], i64(zp_a), i64(mult), i64(shift), i64(zp_out),
                                     f64(s_out), i64(cmin), i64(cmax), output=_i8(_shape(out)), loc=op.location)
            (s_b, zp_b), b = self.rhs_operand(rhs, lhs, op.location)
            mult, shift = qm.multiplier(s_a * s_b / s_out)
            return dpu.MulOp(self.vmap[lhs], b, i64(zp_a), i64(zp_b), i64(mult), i64(shift), i64(zp_out),
                             f64(s_out), i64(cmin), i64(cmax), output=_i8(_shape(out)), loc=op.location)
        self.bind(*self.layer(op.results[0], build))

    def activation(self, op):
        """A clamp that could not fuse into its producer: a DPU rescale with a clamp."""
        src = _activation_source(op)
        if src is None:
            raise UnsupportedOpError(f"{describe(op)}: element-wise max/min of two tensors is not supported")
        out, lo, hi = self.activation_chain_from(op)
        s_in, zp_in = self.q(src)

        def build(p, out, lo, hi):
            s_out, zp_out = self.q_out(out, p)
            mult, shift = qm.multiplier(s_in / s_out)
            cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
            return dpu.RescaleOp(self.vmap[src], i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out),
                                 i64(cmin), i64(cmax), output=_i8(_shape(out)), loc=op.location)
        self.bind(*self.layer(out, build, fusion=(out, lo, hi)))

    def activation_chain_from(self, op):
        """Like activation_chain, but starting with `op` itself as the first activation."""
        src = _activation_source(op)
        if len(users(src)) == 1:
            return self.activation_chain(src)
        # The source has other users: lower this op alone, then follow its own users.
        if op_name(op) == "tosa.clamp":
            lo, hi = ir.FloatAttr(op.attributes["min_val"]).value, ir.FloatAttr(op.attributes["max_val"]).value
        else:
            c = _scalar_const(_other_operand(op, src))
            lo, hi = (c, math.inf) if op_name(op) == "tosa.maximum" else (-math.inf, c)
        out, lo2, hi2 = self.activation_chain(op.results[0])
        return out, max(lo, lo2), min(hi, hi2)

    def max_pool2d(self, op):
        x, pad = self.window_input(op)
        s, zp = self.q(x)
        new = dpu.MaxPoolOp(self.vmap[x], i64_array(tosa_eval.int_array(op, "kernel")),
                            i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad), i64(zp), f64(s),
                            output=_i8(_shape(op.results[0])), loc=op.location)
        self.vmap[op.results[0]] = new.output

    def avg_pool2d(self, op):
        x, pad = self.window_input(op)
        s_in, zp_in = self.q(x)

        def build(p, out, lo, hi):
            s_out, zp_out = self.q_out(out, p)
            mult, shift = qm.multiplier(s_in / s_out, max_shift=40)
            cmin, cmax = qm.clamp_codes(lo, hi, s_out, zp_out, p.act_bits)
            return dpu.AvgPoolOp(self.vmap[x], i64_array(tosa_eval.int_array(op, "kernel")),
                                 i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad), i64(0),
                                 i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out), i64(cmin),
                                 i64(cmax), output=_i8(_shape(out)), loc=op.location)
        self.bind(*self.layer(op.results[0], build))

    def transpose(self, op):
        new = dpu.TransposeOp(self.vmap[op.operands[0]], ir.DenseI64ArrayAttr.get(tosa_eval.int_array(op, "perms")),
                              output=_i8(_shape(op.results[0])), loc=op.location)
        self.vmap[op.results[0]] = new.output

    def reshape(self, op):
        new = dpu.ReshapeOp(self.vmap[op.operands[0]], _i8(_shape(op.results[0])), loc=op.location)
        self.vmap[op.results[0]] = new.output

    def concat(self, op):
        out = op.results[0]
        s_out, zp_out = self.q(out)
        parts = []
        for v in op.operands:
            s_in, zp_in = self.q(v)
            part = self.vmap[v]
            if (s_in, zp_in) != (s_out, zp_out):  # bring every input to the output's quantization
                mult, shift = qm.multiplier(s_in / s_out)
                part = dpu.RescaleOp(part, i64(zp_in), i64(mult), i64(shift), i64(zp_out), f64(s_out),
                                     i64(qm.QMIN), i64(qm.QMAX), output=_i8(_shape(v)), loc=op.location).output
            parts.append(part)
        axis = ir.IntegerAttr(op.attributes["axis"]).value
        new = dpu.ConcatOp(parts, i64(axis), output=_i8(_shape(out)), loc=op.location)
        self.vmap[out] = new.output

    HANDLERS = {
        "tosa.conv2d": conv2d, "tosa.depthwise_conv2d": depthwise_conv2d, "tosa.matmul": matmul,
        "tosa.add": add_sub, "tosa.sub": add_sub, "tosa.mul": mul,
        "tosa.clamp": activation, "tosa.maximum": activation, "tosa.minimum": activation,
        "tosa.max_pool2d": max_pool2d, "tosa.avg_pool2d": avg_pool2d, "tosa.transpose": transpose,
        "tosa.reshape": reshape, "tosa.concat": concat,
    }

    def lower(self, module_op):
        old_block = self.old.regions[0].blocks[0]
        ret = [op for op in body_ops(self.old) if op_name(op) == "func.return"][0]
        in_types = [_i8(_shape(a)) for a in old_block.arguments]
        out_types = [_i8(_shape(v)) for v in ret.operands]
        with ir.InsertionPoint(self.old), self.old.location:
            new_func = func.FuncOp("main", (in_types, out_types))
        block = self.block = new_func.add_entry_block()
        for old_arg, new_arg in zip(old_block.arguments, block.arguments):
            self.vmap[old_arg] = new_arg
        with ir.InsertionPoint(block):
            for op in body_ops(self.old):
                name = op_name(op)
                if name in tosa_eval.STRUCTURAL or name == "func.return" or op.results[0] in self.fused:
                    continue
                if name in PASS_THROUGH:
                    self.vmap[op.results[0]] = self.vmap[op.operands[0]]
                    continue
                if name == "tosa.slice":
                    continue  # lowered by the window op it crops for, or refused below
                handler = self.HANDLERS.get(name)
                if handler is None:
                    raise UnsupportedOpError(f"{describe(op)} has no lowering to the engines")
                self._check_inputs(op)
                handler(self, op)
            for v in ret.operands:
                if v not in self.vmap:
                    src = defining_op(v)
                    raise UnsupportedOpError(f"{describe(src or ret)}: this result cannot be produced by the engines")
            func.ReturnOp([self.vmap[v] for v in ret.operands], loc=ret.location)
        self._carry_io_attrs(new_func, ret)
        self.old.erase()

    def _check_inputs(self, op):
        for v in op.operands:
            src = defining_op(v)
            if src is not None and op_name(src) == "tosa.slice" and v not in self.vmap:
                if op_name(op) not in ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.max_pool2d", "tosa.avg_pool2d"):
                    raise UnsupportedOpError(
                        f"{describe(src)}: slices are only supported as spatial crops feeding conv/pool")

    def _carry_io_attrs(self, new_func, ret):
        new_func.attributes["convc.input_scales"] = self.old.attributes["convc.input_scales"]
        new_func.attributes["convc.input_zps"] = self.old.attributes["convc.input_zps"]
        qps = [self.q(v) for v in ret.operands]
        new_func.attributes["convc.output_scales"] = ir.ArrayAttr.get([f64(s) for s, _ in qps])
        new_func.attributes["convc.output_zps"] = ir.DenseI64ArrayAttr.get([z for _, z in qps])
        names = [node_name(a.location) for a in self.old.regions[0].blocks[0].arguments]
        new_func.attributes["convc.input_names"] = ir.ArrayAttr.get(
            [ir.StringAttr.get(n if n != "?" else f"input{i}") for i, n in enumerate(names)])


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    _Lowering(func_op, ctx).lower(module_op)


PASS = Pass("convc-lower-to-engines", run, "Lower calibrated TOSA to int8 imc/dpu engine ops")
