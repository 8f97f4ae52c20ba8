"""The lowering toolkit: what an engine's lowering functions use to turn float TOSA into its
dialect ops (convc-lower-to-engines drives it; each engine class owns the lowerings of the TOSA
ops it takes, see convc/engines/).

`Lowering` maps float values to their int8 replacements (`vmap`), knows every tensor's
quantization (`q`, `q_out`), fuses activation chains into a layer's clamp, and builds a layer
through `layer()`, which applies the annotation file (precision, fuse/no_fuse) and rebuilds the
layer when a rule asks for another precision. Consumers of a narrowed tensor read its scale and
zero point from here (`narrowed`), not from convc-quantize.
"""

import math

import numpy as np

from convc import quant_math as qm
from convc.errors import UnsupportedOpError
from convc.frontend import tosa_eval
from convc.ir.attrs import i32_array, i64, f64
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import ACT_BITS, ID, NO_FUSE, SOURCE, WEIGHT_PRECISION
from convc.ir.util import defining_op, dense_constant, is_constant, op_name, users
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.precision import INT8, Precision, choose
from convc.passes import unary_functions
from convc.passes.quantize import TRANSPARENT, qparams_of

PROPOSAL_SOURCE = "convc-analog-split"  # the source of a precision that pass proposed (no rule decided)

ACTIVATIONS = ("tosa.clamp", "tosa.maximum", "tosa.minimum")


def i8(shape):
    return ir.RankedTensorType.get(list(shape), ir.IntegerType.get_signless(8))


def shape_of(value):
    return list(ir.RankedTensorType(value.type).shape)


scalar_const = tosa_eval.scalar_constant


def other_operand(op, value):
    return op.operands[1] if op.operands[0] == value else op.operands[0]


def activation_source(op):
    """The tensor an activation op (clamp, or max/min against a scalar constant) acts on."""
    if op_name(op) == "tosa.clamp":
        return op.operands[0]
    for candidate in (op.operands[0], op.operands[1]):
        if scalar_const(other_operand(op, candidate)) is not None and not is_constant(candidate):
            return candidate
    return None


def why_not_fused(value) -> str:
    uses = users(value)
    if len(uses) > 1 and any(op_name(u) in ACTIVATIONS for u in uses):
        return f"its result has {len(uses)} users, so an activation cannot be folded into it"
    return "no clamp, ReLU or max/min against a constant follows it"


def compact_broadcast(const: np.ndarray, shape) -> np.ndarray:
    """The shortest repeating block of `const` broadcast to `shape` (rhs[i % len] indexing)."""
    full = np.broadcast_to(const, shape).reshape(-1)
    for j in range(len(shape), -1, -1):
        period = int(np.prod(shape[j:])) if j < len(shape) else 1
        if np.array_equal(full.reshape(-1, period), np.broadcast_to(full[:period], (full.size // period, period))):
            return full[:period].copy()
    return full.copy()

# TOSA ops that read a window of their input; a crop of that input becomes their padding.
WINDOW_OPS = ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.max_pool2d", "tosa.avg_pool2d")


class Lowering:
    """State and helpers of one function's lowering (see the module docstring)."""

    # Helpers engine lowerings reach through the toolkit object (engines import no pass module).
    i8 = staticmethod(i8)
    shape = staticmethod(shape_of)
    scalar_const = staticmethod(scalar_const)
    activation_source = staticmethod(activation_source)

    def __init__(self, func_op, ctx):
        self.old = func_op
        self.ctx = ctx
        self.vmap = {}       # float value -> int8 value
        self.fused = set()   # float values produced by ops fused into an earlier one
        self.narrowed = {}   # float value -> (scale, zp) of a layer output below int8
        self.unary = {}      # float value -> the unary region (passes/unary_functions.py) it ends
        self.chains = {}     # float value -> the chain (softmax, layer norm, ...; passes/chains.py) it ends
        self.in_unary = set()  # every value computed inside a unary region, its output included
        self.dac_inputs = {}  # int8 value -> (DAC codes, scale, range) for analog layers (engines/analog.py)

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

    def layer(self, start, build, has_weights=False, fusion=None, proposed=None):
        """Build a layer at int8, then apply the annotations: its precision, and whether the
        activations after it fuse into its clamp. Rebuilds if either differs from the default.

        `start` is the layer's own result; `build(precision, out, lo, hi)` creates the op (and
        its constants) producing `out` with the real clamp [lo, hi]. `fusion` fixes
        (out, lo, hi) for an op that is itself an activation. `proposed` is a weights precision
        a heuristic pass chose (convc-analog-split), used when no rule decides. Returns (op, out).
        """
        fused_here, may_fuse = [], fusion is None
        if may_fuse:
            before = set(self.fused)
            fusion = self.activation_chain(start)
            fused_here = [v for v in self.fused if v not in before]
        new = build(INT8, *fusion)
        ID.set(new, self._engine_op_count() - 1)  # for `layer N` selectors
        precision, rule = choose(self.ctx, new, has_weights)
        proposal = rule is None and has_weights and proposed is not None and precision == INT8
        if proposal:
            precision = Precision(proposed)
        fuse_rule = rule_for(self.ctx, "fuse", new) if may_fuse else None
        ID.delete(new)  # convc-check-precision numbers the final ops
        unfuse = fuse_rule is not None and not fuse_rule.value("fuse") and fused_here
        if fuse_rule is not None and fuse_rule.value("fuse") and not fused_here:
            refuse(self.ctx, fuse_rule, f"no activation can fuse into layer '{layer_of(new).node}' "
                                        f"({why_not_fused(start)})", "no fusion")
            fuse_rule = None
        if unfuse:
            self.fused.difference_update(fused_here)
            fusion = (start, -math.inf, math.inf)
        if fuse_rule is not None:
            set_source(new, "fusion", fuse_rule)
        if rule is None and not unfuse and not proposal:
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
        elif proposal:
            WEIGHT_PRECISION.set(new, precision.weights)
            SOURCE.set(new, "precision", PROPOSAL_SOURCE)
        if precision.act_bits < 8:
            self.narrowed[fusion[0]] = (ir.FloatAttr(attrs["out_scale"]).value, ir.IntegerAttr(attrs["out_zp"]).value)
        return new, fusion[0]

    def bind(self, new, out):
        self.vmap[out] = new.output

    def _engine_op_count(self):
        """Engine ops built so far: everything in the new block but constants."""
        return sum(1 for op in self.block.operations if op_name(op) != "arith.constant")

    @staticmethod
    def _discard(op):
        constants = [v.owner for v in op.operands if is_constant(v)]
        op.operation.erase()
        for c in constants:
            if not list(c.results[0].uses):
                c.erase()

    def rhs_operand(self, op, rhs, lhs):
        """((scale, zp), int8 value) of an element-wise op's second operand.

        A constant operand is quantized per tensor and stored as its shortest repeating block,
        which the DPU broadcasts by index modulo its length. A tensor operand can only be
        broadcast that way when it is a trailing block of the other's shape.
        """
        loc = op.location
        if not is_constant(rhs):
            small, big = shape_of(rhs), shape_of(lhs)
            trailing = list(small)
            while trailing and trailing[0] == 1:
                trailing.pop(0)
            if small != big and trailing != big[len(big) - len(trailing):]:
                raise UnsupportedOpError(
                    f"{describe(op)}: a {small} tensor broadcast over a {big} one along inner dimensions is not "
                    f"supported (the DPU repeats a smaller operand only as a trailing block, e.g. per channel in NHWC)")
            return self.q(rhs), self.vmap[rhs]
        c = compact_broadcast(tosa_eval.const_value(defining_op(rhs)), shape_of(lhs))
        scale, zp = qm.activation_qparams(float(c.min()), float(c.max()))
        return (scale, zp), dense_constant(qm.quantize(c, scale, zp), loc=loc)

    def activation_chain(self, value):
        """Follow single-use activation ops; returns (last value, real lo, real hi)."""
        lo, hi = -math.inf, math.inf
        while True:
            uses = users(value)
            if len(uses) != 1 or op_name(uses[0]) not in ACTIVATIONS or uses[0].results[0] in self.in_unary:
                return value, lo, hi  # a clamp inside a unary region is part of its table
            user = uses[0]
            if op_name(user) == "tosa.clamp":
                lo = max(lo, ir.FloatAttr(user.attributes["min_val"]).value)
                hi = min(hi, ir.FloatAttr(user.attributes["max_val"]).value)
            else:
                c = scalar_const(other_operand(user, value))
                if c is None:
                    return value, lo, hi
                lo, hi = (max(lo, c), hi) if op_name(user) == "tosa.maximum" else (lo, min(hi, c))
            value = user.results[0]
            self.fused.add(value)

    def unary_table(self, region, out_value, precision):
        """(table, out scale, out zp) of a unary region's lookup table at `precision`."""
        s_in, zp_in = self.q(region.root)
        s_out, zp_out = self.q_out(out_value, precision)
        cmin, cmax = qm.clamp_codes(-math.inf, math.inf, s_out, zp_out, precision.act_bits)
        return unary_functions.table(region, s_in, zp_in, s_out, zp_out, cmin, cmax), s_out, zp_out

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

    @staticmethod
    def is_window_crop(op) -> bool:
        """A tosa.slice that only drops trailing rows/columns of the one conv/pool it feeds:
        that op takes it as negative bottom/right padding (torch-mlir crops H and W in two)."""
        start = [int(s) for s in tosa_eval.const_value(defining_op(op.operands[1])).reshape(-1)]
        full, cropped = shape_of(op.operands[0]), shape_of(op.results[0])
        readers = users(op.results[0])
        if any(start) or len(readers) != 1 or len(full) != 4 or full[0] != cropped[0] or full[3] != cropped[3]:
            return False
        reader = readers[0]
        return (op_name(reader) == "tosa.slice" and Lowering.is_window_crop(reader)) or (
            op_name(reader) in WINDOW_OPS and reader.operands[0] == op.results[0])

    def window_input(self, op):
        """The conv/pool input, looking through a crop at the origin (negative bottom/right pads)."""
        x = op.operands[0]
        pad = tosa_eval.int_array(op, "pad")
        src = defining_op(x)
        while src is not None and op_name(src) == "tosa.slice" and x not in self.vmap:
            full, cropped = shape_of(src.operands[0]), shape_of(x)
            pad = [pad[0], pad[1] - (full[1] - cropped[1]), pad[2], pad[3] - (full[2] - cropped[2])]
            self.fused.add(x)
            x = src.operands[0]
            src = defining_op(x)
        return x, pad

    # -- op handlers ---------------------------------------------------------------------
    def activation_chain_from(self, op):
        """Like activation_chain, but starting with `op` itself as the first activation."""
        src = activation_source(op)
        if len(users(src)) == 1:
            return self.activation_chain(src)
        # The source has other users: lower this op alone, then follow its own users.
        if op_name(op) == "tosa.clamp":
            lo, hi = ir.FloatAttr(op.attributes["min_val"]).value, ir.FloatAttr(op.attributes["max_val"]).value
        else:
            c = scalar_const(other_operand(op, src))
            lo, hi = (c, math.inf) if op_name(op) == "tosa.maximum" else (-math.inf, c)
        out, lo2, hi2 = self.activation_chain(op.results[0])
        return out, max(lo, lo2), min(hi, hi2)
