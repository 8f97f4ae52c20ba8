"""convc-split-batch: under the throughput objective, split the batch across the cores.

A stream compiled for throughput runs B frames per inference (`--batch B`; the frontend gives
the model's inputs a batch of B). The frames are independent, so the cheapest parallelism is
data parallelism: the batch is cut into n equal sub-batches (n = the largest divisor of B
that does not exceed the number of cores) and every layer that computes its samples
independently becomes n copies, copy i reading sub-batch i of its inputs. The copies of one
layer share its constants (convc-plan-memory stores them once), carry `convc.replica =
[i, n, id]` so convc-allocate-cores puts them on different cores, and each core's array keeps
one weight set programmed for all B/n frames of its sub-batch: weights are loaded and
programmed once per inference of B frames instead of once per frame.

Which axis of a tensor holds the samples is followed through the graph: the network inputs'
axis 0, and for every other value what its engine says (`Engine.sample_axis`, e.g. axis 1 of
a [1, B, K] matrix product). A layer whose engine cannot split it (a reduction over the
samples, an op of an engine without the method) reads its inputs whole: a `dpu.concat`
(location `<node>#batch`) joins the pieces it needs. A network output is joined the same way.

With the latency objective, or a batch of 1, the pass changes nothing.
"""

from math import prod

from convc.dialects import dpu
from convc.engines import home_engine
from convc.ir.attrs import i64, tensor_shape
from convc.ir.locations import node_name
from convc.ir.mlir import ir
from convc.ir.schema import ACT_BITS, ID, REPLICA, SOURCE
from convc.ir.util import body_ops, entry_func, is_constant
from convc.passes.api import Pass, objective_of
from convc.passes.engine_ops import engine_ops, number_ops
from convc.passes.replicate import concat_chain


def copies_for(batch: int, cores: int) -> int:
    """Sub-batches: the largest divisor of `batch` that is at most `cores` (equal bands)."""
    return max(n for n in range(1, min(batch, cores) + 1) if batch % n == 0)


def _contiguous(shape, axis) -> bool:
    """Whether bands along `axis` are contiguous bytes (a `dpu.slice` view): dims before it are 1."""
    return axis is not None and prod(shape[:axis]) == 1 and shape[axis] > 1


def _band_type(shape, axis: int, rows: int, element=None):
    """`shape` with `rows` entries along `axis` (int8 unless `element` says otherwise)."""
    return ir.RankedTensorType.get([*shape[:axis], rows, *shape[axis + 1:]],
                                   element or ir.IntegerType.get_signless(8))


class _Pieces:
    """Each value's sample axis and, once known, its n bands along that axis."""

    def __init__(self, n: int):
        self.n = n
        self.axis: dict = {}    # value -> sample axis
        self.bands: dict = {}   # value -> [n values]

    def band(self, value, i: int, before):
        """Band i of `value`: a copy's result, or a `dpu.slice` view made on first use."""
        if value not in self.bands:
            axis, shape = self.axis[value], tensor_shape(value)
            rows = shape[axis] // self.n
            band_type = _band_type(shape, axis, rows)
            with ir.InsertionPoint(before):
                self.bands[value] = [dpu.SliceOp(value, i64(axis), i64(k * rows), output=band_type,
                                                 loc=value.owner.location if not isinstance(value.owner, ir.Block)
                                                 else before.location).output
                                     for k in range(self.n)]
        return self.bands[value][i]


def _split(op, pieces: _Pieces, out_axis: int, source: str):
    """n copies of `op` on bands of its activation operands, joined by a concat chain that
    takes over `op`'s users; returns the joined value."""
    n = pieces.n
    out_shape = tensor_shape(op.results[0])
    rows = out_shape[out_axis] // n
    band_type = _band_type(out_shape, out_axis, rows, op.results[0].type.element_type)
    attrs = op.operation.attributes
    original = ID.get(op, -1)
    results = []
    for i in range(n):
        operands = [v if is_constant(v) else pieces.band(v, i, op.operation) for v in op.operands]
        with ir.InsertionPoint(op.operation):
            copy = ir.Operation.create(op.operation.name, results=[band_type], operands=operands,
                                       attributes={name: attrs[name] for name in attrs}, loc=op.location)
        REPLICA.set(copy, [i, n, original])
        SOURCE.set(copy, "split_batch", source)
        results.append(copy.results[0])
    with ir.InsertionPoint(op.operation):
        loc = ir.Location.name(f"{node_name(op.location)}#batch", childLoc=op.location)
        joined = dpu.concat(results, out_axis, out_shape, loc)
    for link in concat_chain(joined.owner):
        ACT_BITS.copy(op, link)
    op.results[0].replace_all_uses_with(joined)
    pieces.axis[joined], pieces.bands[joined] = out_axis, results
    return joined


def _erase_unused_joins(joins) -> None:
    for joined in joins:
        if list(joined.uses):
            continue
        for link in reversed(concat_chain(joined.owner)):
            link.erase()


def _erase_unused_views(func_op) -> None:
    """Slice views nobody reads (bands of a value whose consumers all read copies)."""
    for op in reversed(body_ops(func_op)):
        if op.operation.name == "dpu.slice" and not list(op.results[0].uses):
            op.operation.erase()


def run(module_op, ctx) -> None:
    goal = objective_of(module_op)
    if goal.kind != "throughput" or goal.batch <= 1:
        return
    n = copies_for(goal.batch, ctx.target.cores)
    if n == 1:
        ctx.warnings.append(f"{goal.source}: batch {goal.batch} has no divisor between 2 and {ctx.target.name}'s "
                            f"{ctx.target.cores} cores: the batch runs whole on each layer's core")
        return
    number_ops(module_op)
    func_op = entry_func(module_op)
    pieces = _Pieces(n)
    for arg in func_op.regions[0].blocks[0].arguments:
        if _contiguous(tensor_shape(arg), 0) and tensor_shape(arg)[0] == goal.batch:
            pieces.axis[arg] = 0
    split, joins = [], []
    for op in engine_ops(module_op):
        if REPLICA.has(op):
            continue
        activations = [v for v in op.operands if not is_constant(v)]
        axes = [None if is_constant(v) else pieces.axis.get(v) for v in op.operands]
        engine = home_engine(op)
        ok = activations and all(pieces.axis.get(v) is not None for v in activations)
        out_axis = engine.sample_axis(op, axes) if ok and engine is not None else None
        if out_axis is None or not _contiguous(tensor_shape(op.results[0]), out_axis) \
                or tensor_shape(op.results[0])[out_axis] % n:
            continue  # reads whole inputs: the joins (concats) already stand in for them
        joins.append(_split(op, pieces, out_axis, goal.source))
        split.append(op)
    for op in split:
        op.operation.erase()
    _erase_unused_joins(joins)
    _erase_unused_views(func_op)
    number_ops(module_op)
    if split:
        ctx.info["batch_split"] = {"batch": goal.batch, "copies": n, "layers": len(split)}


PASS = Pass("convc-split-batch", run, "Throughput objective: split the batch across cores, one sub-batch per copy")
