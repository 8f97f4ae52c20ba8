"""convc-replicate: copy an IMC layer's weights onto several cores, each computing a band of its output.

A `replicate SEL cores N` rule, or a `parallelism` opportunity (for which the N with the lowest
end-to-end estimate wins), cuts an IMC layer's output along its outermost non-unit axis (the
rows of a batch-1 feature map, else the batch or leading axis) into N bands. Each band is a
copy of the op, which loads the weights into its own core's array (convc-plan-memory stores
identical blobs once), reading a `dpu.slice` view of the input: for
a convolution, the input rows its windows touch, with the padding rewritten so the band
computes exactly the original windows. A `dpu.concat` (location `<node>#replicas`) joins the
bands; convc-allocate-cores puts the copies on different cores, which load and program their
arrays and compute in parallel.

The bands are equal because IRDL binds one type to all operands of the variadic concat. A
convolution's row bands are ceil(rows / N) tall, so the last one may run past the end into
padding, and a `dpu.slice` view crops the joined rows; other axes need N to divide them.

Copies carry `convc.replica = [index, count, id of the original layer]` and `convc.source.replicate`.
`replicate SEL cores 1` keeps a layer whole, even under a `parallelism` opportunity.
"""

from convc.ir.mlir import ir
from convc.passes.api import Pass
from convc.dialects import dpu
from convc.ir.attrs import get_array, i64, i64_array, tensor_shape
from convc.engines import home_engine
from convc.passes.directives import layer_of, refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops, number_ops
from convc.passes.allocate_cores import list_schedule
from convc.ir.schema import ACT_BITS, ID, REPLICA

ONE_COPY = "one copy of the layer"


def split_axis(op) -> int | None:
    """The axis whose bands are contiguous in both input and output, or None."""
    out = tensor_shape(op.output)
    if op.operation.name == "imc.conv2d":
        return 0 if out[0] > 1 else (1 if out[1] > 1 else None)
    return next((a for a, d in enumerate(out[:-1]) if d > 1), None)


def _pads_rows(op, axis) -> bool:
    """Whether a band may run past the last row: only a convolution's rows (into padding)."""
    return op.operation.name == "imc.conv2d" and axis == 1


def _input_band(op, axis, r0, r1):
    """(first input row, rows, new pad) that output rows [r0, r1) read."""
    pad = get_array(op, "pad") if "pad" in op.operation.attributes else None
    if not _pads_rows(op, axis):
        return r0, r1 - r0, pad
    h = tensor_shape(op.input)[1]
    kh = tensor_shape(op.weights)[1]
    sh, dh = get_array(op, "stride")[0], get_array(op, "dilation")[0]
    first = r0 * sh - pad[0]                           # input row of the band's first window
    end = (r1 - 1) * sh - pad[0] + (kh - 1) * dh + 1   # one past its last window's last row
    y0, y1 = max(0, first), min(h, end)
    return y0, y1 - y0, [y0 - first, end - y1, pad[2], pad[3]]


def _why_not(op, target, n: int) -> str | None:
    """Why `op` cannot be cut into n equal bands on `target`, or None."""
    layer = layer_of(op)
    if n > target.cores:
        return f"{target.name} has {target.cores} cores, fewer than {n} copies"
    axis = split_axis(op)
    shape = tensor_shape(op.output)
    if axis is None:
        return f"layer '{layer.node}' computes a single row ({shape}): there is nothing to split"
    rows, band = shape[axis], -(-shape[axis] // n)
    if rows % n and not _pads_rows(op, axis):
        return f"layer '{layer.node}' has {rows} rows along axis {axis}, which {n} copies cannot share equally"
    if (n - 1) * band >= rows:
        return f"layer '{layer.node}' has {rows} rows along axis {axis}: too few for {n} bands of {band}"
    if any(_input_band(op, axis, i * band, (i + 1) * band)[1] <= 0 for i in range(n)):
        return f"a band of layer '{layer.node}' would read only padding"
    return None


def split(op, n: int, source_rule, original_id: int):
    """Build n band copies of `op`, their concat (and crop) before it, and move `op`'s users to
    the joined result; `op` stays, unused, so a trial can be undone (`unsplit`)."""
    axis = split_axis(op)
    out_shape, in_shape = tensor_shape(op.output), tensor_shape(op.input)
    band = -(-out_shape[axis] // n)
    i8 = ir.IntegerType.get_signless(8)

    def with_rows(shape, rows):
        return ir.RankedTensorType.get([*shape[:axis], rows, *shape[axis + 1:]], i8)

    attrs = op.operation.attributes
    copies = []
    with ir.InsertionPoint(op.operation):
        for i in range(n):
            start, rows, pad = _input_band(op, axis, i * band, (i + 1) * band)
            view = dpu.SliceOp(op.input, i64(axis), i64(start), output=with_rows(in_shape, rows), loc=op.location)
            copy_attrs = {name: attrs[name] for name in attrs}
            if pad is not None:
                copy_attrs["pad"] = i64_array(pad)
            copy_attrs[REPLICA.key] = i64_array([i, n, original_id])
            copy = ir.Operation.create(op.operation.name, results=[with_rows(out_shape, band)],
                                       operands=[view.output, *list(op.operands)[1:]], attributes=copy_attrs,
                                       loc=op.location).opview
            set_source(copy, "replicate", source_rule)
            copies.append(copy)
        loc = ir.Location.name(f"{layer_of(op).node}#replicas", childLoc=op.location)
        joined = dpu.concat([c.results[0] for c in copies], axis, with_rows(out_shape, n * band).shape, loc).owner
        for link in concat_chain(joined):
            ACT_BITS.copy(op, link)
        if n * band != out_shape[axis]:
            joined = dpu.SliceOp(joined.results[0], i64(axis), i64(0), output=op.output.type, loc=loc).operation
    op.output.replace_all_uses_with(joined.results[0])
    return joined


def concat_chain(last) -> list:
    """The binary dpu.concat ops joining the copies, first to `last`."""
    chain = [last]
    while chain[0].operands[0].owner.name == "dpu.concat":
        chain.insert(0, chain[0].operands[0].owner)
    return chain


def unsplit(op, joined) -> None:
    """Undo split(): give `op` its users back; erase the crop, concat, copies and their views."""
    joined.results[0].replace_all_uses_with(op.output)
    last = joined.operands[0].owner if joined.name == "dpu.slice" else joined
    chain = concat_chain(last)
    copies = [chain[0].operands[0].owner] + [link.operands[1].owner for link in chain]
    if last is not joined:
        joined.erase()
    for link in reversed(chain):
        link.erase()
    for copy in copies:
        view = copy.operands[0].owner
        copy.operation.erase()
        view.operation.erase()


def makespan(module_op, ctx, unused=None) -> int:
    """convc-allocate-cores' end-to-end estimate for the IR as it stands, minus `unused`."""
    ops = [o for o in engine_ops(module_op) if unused is None or o.operation != unused.operation]
    for i, o in enumerate(ops):
        ID.set(o, i)
    return list_schedule(ops, ctx)[1]


def _best_count(op, module_op, ctx, rule, original_id) -> int:
    """For a `parallelism` opportunity: the copy count with the lowest end-to-end estimate
    (1 if no split shortens it). Judging the whole schedule, not the layer alone, matters:
    copies occupy cores that would otherwise load the next layers' weights."""
    best_n, best = 1, makespan(module_op, ctx)
    for n in range(2, ctx.target.cores + 1):
        if _why_not(op, ctx.target, n):
            continue
        joined = split(op, n, rule, original_id)
        cycles = makespan(module_op, ctx, unused=op)
        unsplit(op, joined)
        if cycles < best:
            best_n, best = n, cycles
    return best_n


def run(module_op, ctx) -> None:
    target = ctx.target
    # Match rules before any split: selectors see the ids the layers had coming in.
    todo = [(op, rule_for(ctx, "replicate", op), rule_for(ctx, "parallelism", op), ID.get(op, -1))
            for op in engine_ops(module_op)]
    copies = 0
    tried = {}  # parallelism rule -> layers it replicated
    used, dpu_only = set(), {}  # replicate rules that matched an IMC layer / only DPU layers
    for op, rule, chance, original_id in todo:
        if not home_engine(op).replicable:  # a node's DPU ops (a transpose, a reshape) stay whole
            if rule is not None:
                dpu_only.setdefault(rule, layer_of(op))
            continue
        used.add(rule)
        if rule is None and chance is None:
            continue
        if rule is not None and rule.value("cores") == 1:
            set_source(op, "replicate", rule)  # kept whole on purpose
            continue
        why = _why_not(op, target, rule.value("cores")) if rule else None
        if why:
            refuse(ctx, rule, why, ONE_COPY)
            continue
        n = rule.value("cores") if rule else _best_count(op, module_op, ctx, chance, original_id)
        if rule is None:
            tried[chance] = tried.get(chance, 0) + (n > 1)
        if n > 1:
            split(op, n, rule or chance, original_id)
            op.operation.erase()
            copies += n
    for rule, layer in dpu_only.items():
        if rule not in used:
            refuse(ctx, rule, f"it selects only DPU layers (e.g. '{layer.node}', {layer.kind}); only IMC layers "
                              f"have weights to replicate", ONE_COPY)
    for chance, count in sorted(tried.items(), key=lambda item: item[0].line):
        if count == 0:
            ctx.warnings.append(f"{chance.where}: parallelism opportunity not exploited: copying the matched "
                                f"layers onto more cores would not shorten the estimated schedule")
    number_ops(module_op)
    if copies:
        ctx.info["replica_copies"] = copies


PASS = Pass("convc-replicate", run, "Copy IMC layers' weights onto several cores, each computing a band of the output")
