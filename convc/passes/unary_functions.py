"""Element-wise functions of one tensor, found in float TOSA and computed as 256-entry tables.

Exporters spell activations as small graphs of element-wise ops: SiLU is `x * sigmoid(x)`,
GELU `x * 0.5 * (1 + erf(x / sqrt 2))`, HardSwish `x * min(max(x + 3, 0), 6) / 6`, LeakyReLU
`max(x, 0) + alpha * min(x, 0)`. Whatever the spelling, such a graph is a function of a single
int8 code, so it is exactly one table lookup once both ends are quantized (the way edge NPUs
run activations). A *unary region* is a connected set of element-wise ops whose only
non-constant input is one tensor (the root) and whose constants are uniform (every element
equal: a per-channel constant makes the function differ per channel); only its last value may
be used outside it. The lowering replaces the region by one `dpu.lut` whose table is the float
function evaluated by the TOSA interpreter at the 256 input codes.

A region is only formed where a table beats the op-by-op lowering: when it holds an op no
engine lowers alone (sigmoid, exp, erf, select, ...), a product or sum of two functions of the
root, or at least two non-clamp ops (`x * alpha + beta` is one table instead of two passes).
A lone ReLU or clamp stays fused into its producer.
"""

import heapq
import math
from dataclasses import dataclass

import numpy as np

from convc import quant_math as qm
from convc.frontend import tosa_eval
from convc.ir.mlir import ir
from convc.ir.util import defining_op, is_constant, op_name, users

# Ops whose result is, element by element, a function of their operands' elements.
ELEMENTWISE = {
    "tosa.add", "tosa.sub", "tosa.mul", "tosa.maximum", "tosa.minimum", "tosa.clamp", "tosa.cast",
    "tosa.identity", "tosa.sigmoid", "tosa.tanh", "tosa.exp", "tosa.erf", "tosa.log", "tosa.abs",
    "tosa.negate", "tosa.reciprocal", "tosa.rsqrt", "tosa.pow", "tosa.select", "tosa.greater",
    "tosa.greater_equal", "tosa.equal", "tosa.floor", "tosa.ceil",
}
# Those the engines also lower one by one (affine arithmetic with a constant, clamps).
LINEAR = {"tosa.add", "tosa.sub", "tosa.mul", "tosa.maximum", "tosa.minimum", "tosa.clamp",
          "tosa.cast", "tosa.identity"}
CLAMPS = {"tosa.clamp", "tosa.maximum", "tosa.minimum", "tosa.cast", "tosa.identity"}
# Only the data operands count: tosa.mul's shift and tosa.negate's zero points are constants.
DATA_OPERANDS = {"tosa.mul": 2, "tosa.negate": 1, "tosa.select": 3}


@dataclass
class Region:
    root: object      # the float value the function reads
    ops: list         # the region's ops in program order; the last one produces `output`
    output: object    # the only value used outside the region

    @property
    def values(self):
        return [op.results[0] for op in self.ops]


def data_operands(op):
    return list(op.operands)[:DATA_OPERANDS.get(op_name(op), len(op.operands))]


def is_uniform_constant(value) -> bool:
    if not is_constant(value):
        return False
    c = tosa_eval.const_value(defining_op(value))
    return c.size >= 1 and bool(np.all(c.reshape(-1) == c.reshape(-1)[0]))


def _shape(value):
    return list(value.type.shape)


def _grow(root, order, claimed):
    """Every element-wise op reachable from `root` whose data operands are the root, region
    members or uniform constants, in program order. `order` maps each op's result to
    (position, op); ops are handled in that order, so all of an op's operands are decided
    before it is."""
    members, ops, seen = {root}, [], set()
    frontier = []

    def push_users(value):
        for u in users(value):
            if len(u.results) == 1 and u.results[0] in order:
                heapq.heappush(frontier, order[u.results[0]][0])

    push_users(root)
    by_position = {pos: op for pos, op in order.values()}
    while frontier:
        pos = heapq.heappop(frontier)
        if pos in seen:
            continue
        seen.add(pos)
        op = by_position[pos]
        result = op.results[0]
        if op_name(op) not in ELEMENTWISE or result in claimed or _shape(result) != _shape(root):
            continue
        if not all(v in members or is_uniform_constant(v) for v in data_operands(op)):
            continue
        members.add(result)
        ops.append(op)
        push_users(result)
    return ops


def _worth_a_table(ops, root) -> bool:
    inside = {root} | {op.results[0] for op in ops}
    for op in ops:
        if op_name(op) not in LINEAR:
            return True
        if sum(1 for v in data_operands(op) if v in inside) > 1:
            return True  # x * sigmoid(x), max(x, 0) + alpha * min(x, 0)
    return sum(1 for op in ops if op_name(op) not in CLAMPS) >= 2


def _closed_region(root, ops, output):
    """The ops `output` depends on, if none of their other values escapes; else None."""
    by_value = {op.results[0]: op for op in ops}
    stack, seen = [output], set()
    while stack:
        v = stack.pop()
        if v in seen or v not in by_value:
            continue
        seen.add(v)
        stack.extend(data_operands(by_value[v]))
    for v in seen - {output}:
        if any(len(u.results) != 1 or u.results[0] not in seen for u in users(v)):
            return None
    return [op for op in ops if op.results[0] in seen]


def find_regions(ops, block_args=()) -> dict:
    """{output value: Region} for the function body `ops` (in program order)."""
    order = {op.results[0]: (i, op) for i, op in enumerate(ops)
             if len(op.results) == 1 and op_name(op) not in tosa_eval.STRUCTURAL}
    claimed, regions = set(), {}
    for root in list(block_args) + list(order):
        if root in claimed and root not in regions:
            continue  # inside a region already: only its output is visible
        grown = _grow(root, order, claimed)
        for candidate in reversed(grown):  # the largest closed region first
            if not isinstance(candidate.results[0].type.element_type, ir.FloatType):
                continue  # a comparison's booleans are no activation
            region_ops = _closed_region(root, grown, candidate.results[0])
            if region_ops and _worth_a_table(region_ops, root):
                region = Region(root, region_ops, candidate.results[0])
                regions[region.output] = region
                claimed.update(region.values)
                break
    return regions


def table(region, s_in, zp_in, s_out, zp_out, code_min, code_max) -> np.ndarray:
    """The 256 int8 codes of the region's output for input codes -128..127."""
    codes = np.arange(qm.QMIN, qm.QMAX + 1, dtype=np.int64)
    env = {region.root: ((codes - zp_in) * s_in).astype(np.float32)}
    for op in region.ops:
        for v in op.operands:
            if v not in env:  # a uniform constant, as a scalar so it broadcasts over the codes
                env[v] = np.asarray(tosa_eval.const_value(defining_op(v)).reshape(-1)[0])
        env[op.results[0]] = tosa_eval.evaluate_op(op, env)
    y = np.broadcast_to(np.asarray(env[region.output], np.float64), codes.shape)
    # Codes calibration never saw may leave the function's domain (log of a negative): NaN
    # maps to 0 and infinities to the output range's ends, so the table stays deterministic.
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.rint(np.nan_to_num(y, nan=0.0, posinf=math.inf, neginf=-math.inf) / s_out) + zp_out
    return np.clip(np.nan_to_num(q, posinf=code_max, neginf=code_min), code_min, code_max).astype(np.int8)
