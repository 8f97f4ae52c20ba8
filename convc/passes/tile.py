"""convc-tile: fit every engine op to the engine and core it was placed on.

Each engine tiles its own ops (`Engine.tile`): the IMC engine cuts matrix products into
array-sized weight tiles — K beyond the array's rows becomes row tiles with int32 partial-sum
accumulation, N beyond its columns column tiles — and groups input vectors in blocks of
`m_block`, the largest that keeps the layer's L1 working set within the core's L1; the host
only blocks rows. The op verifiers then check every tile against `array_rows` x `array_cols`.
A `tile` rule of the annotation file sets the tile shape (checked against the array);
`convc.source.tile` records it. A `sparsity` opportunity makes a layer skip its all-zero weight
tiles (`skip_tiles`): they are neither loaded, programmed nor multiplied. Choosing a `tile`
shape that matches the zero blocks of a pruned layer is the expert's lever.
"""

from convc.engines import engine_of
from convc.ir.schema import CORE, TILE_ROWS
from convc.passes.api import Pass
from convc.passes.directives import refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops, is_view, l1_reserved


def run(module_op, ctx) -> None:
    target = ctx.target
    tiles = skipped = 0
    sparse_rules = {}  # rule -> tiles it skipped
    ops = engine_ops(module_op)
    reserved = {core: l1_reserved(ops, core) for core in range(target.cores)}
    for op in ops:
        if is_view(op):
            continue
        engine, core = engine_of(op), CORE.get(op)
        if core is None:  # run before allocation (convc-opt): the first core with the op's engine
            core = next((c for c in range(target.cores) if engine.kind in target.engines(c)), None)
            if core is None:
                continue
        rule = rule_for(ctx, "tile", op)
        wanted = (rule.value("rows"), rule.value("cols"), rule.value("pack", 1)) if rule is not None else None
        if rule is None:  # a statement named after the engine kind (`cgra SEL alu 4`): its values
            rule = rule_for(ctx, engine.kind, op)
            wanted = dict(rule.values) if rule is not None else None
        refused = engine.tile(op, target, core, target.l1_size(core) - reserved[core], wanted)
        if refused:
            refuse(ctx, rule, *refused)
            rule = None
        if not TILE_ROWS.has(op):
            continue  # nothing tiled: `tile` and `sparsity` rules do not apply
        set_source(op, "tile", rule)
        facts = engine.describe(op)
        tiles += facts["row_tiles"] * facts["col_tiles"]
        sparse = rule_for(ctx, "sparsity", op)
        if sparse is not None:
            count = engine.skip_zero_tiles(op) or 0
            sparse_rules[sparse] = sparse_rules.get(sparse, 0) + count
            if count:
                set_source(op, "sparsity", sparse)
                skipped += count
    ctx.info["imc_tiles"] = tiles
    if sparse_rules:
        ctx.info["skipped_zero_tiles"] = skipped
    for rule, count in sorted(sparse_rules.items(), key=lambda item: item[0].line):
        if count == 0:
            ctx.warnings.append(f"{rule.where}: sparsity opportunity not exploited: no all-zero weight tile "
                                f"under the layers' tiling (a smaller `tile` may expose some)")


PASS = Pass("convc-tile", run, "Fit engine ops to their engine: array-sized tiles and L1-sized row blocks")
