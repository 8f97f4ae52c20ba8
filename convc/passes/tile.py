"""convc-tile: cut IMC matrix products into array-sized tiles and L1-sized row blocks.

K (dot-product rows) beyond the array's rows becomes row tiles with int32 partial-sum
accumulation; N beyond its columns becomes column tiles. Input vectors are grouped in blocks
of `m_block`, the largest that keeps the layer's L1 working set within the core's L1.
The op verifiers then check every tile against `array_rows` x `array_cols`. A `tile` rule of
the annotation file sets the tile shape (checked against the array); `convc.source.tile` records it.
A `sparsity` opportunity makes the layer skip its all-zero weight tiles (`skip_tiles`): they
are neither loaded, programmed nor multiplied. Choosing a `tile` shape that matches the
zero blocks of a pruned layer is the expert's lever.
"""

from convc.engines import engine_of
from convc.engines.base import align
from convc.engines.imc import full_tile_grid, zero_tiles
from convc.errors import TargetFitError
from convc.ir.locations import describe
from convc.passes.api import Pass
from convc.dialects.imc import IMC_OPS, dot_product_shape
from convc.passes.directives import refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops, l1_reserved
from convc.ir.schema import ARRAY_COLS, ARRAY_ROWS, CORE, M_BLOCK, SKIP_TILES, TILE_COLS, TILE_ROWS


def l1_bytes(buffers) -> int:
    return sum(align(size) for _, size in buffers)


def run(module_op, ctx) -> None:
    target = ctx.target
    tiles = skipped = 0
    sparse_rules = {}  # rule -> tiles it skipped
    ops = engine_ops(module_op)
    reserved = {core: l1_reserved(ops, core) for core in range(target.cores)}
    for op in ops:
        if not isinstance(op, IMC_OPS):
            continue
        m, k, n = dot_product_shape(op)
        rows, cols = min(k, target.imc.rows), min(n, target.imc.cols)
        rule = rule_for(ctx, "tile", op)
        if rule is not None:
            want_r, want_c = rule.value("rows"), rule.value("cols")
            if not (1 <= want_r <= target.imc.rows and 1 <= want_c <= target.imc.cols):
                refuse(ctx, rule, f"tile {want_r}x{want_c} does not fit {target.name}'s "
                                  f"{target.imc.rows}x{target.imc.cols} array", f"tile {rows}x{cols}")
                rule = None
            else:
                rows, cols = min(want_r, k), min(want_c, n)
        TILE_ROWS.set(op, rows)
        TILE_COLS.set(op, cols)
        set_source(op, "tile", rule)
        ARRAY_ROWS.set(op, target.imc.rows)
        ARRAY_COLS.set(op, target.imc.cols)
        sparse = rule_for(ctx, "sparsity", op)
        if sparse is not None:
            skip = zero_tiles(op)
            sparse_rules[sparse] = sparse_rules.get(sparse, 0) + len(skip)
            if skip:
                SKIP_TILES.set(op, skip)
                set_source(op, "sparsity", sparse)
                skipped += len(skip)
        engine = engine_of(op)
        room = target.l1.size - reserved.get(CORE.get(op), 0)  # no core yet: nothing kept
        block = m
        while block > 1 and l1_bytes(engine.l1_buffers(op, target, block)) > room:
            block = (block + 1) // 2
        need = l1_bytes(engine.l1_buffers(op, target, block))
        if need > room:
            raise TargetFitError(f"{describe(op)} needs {need} bytes of L1 even one row at a time, "
                                 f"but {target.name}'s L1 holds {target.l1.size}"
                                 + (f" ({target.l1.size - room} of them kept for tensors that never leave "
                                    f"the core)" if room < target.l1.size else ""))
        M_BLOCK.set(op, block)
        tiles += len(full_tile_grid(op))
    ctx.info["imc_tiles"] = tiles
    if sparse_rules:
        ctx.info["skipped_zero_tiles"] = skipped
    for rule, count in sorted(sparse_rules.items(), key=lambda item: item[0].line):
        if count == 0:
            ctx.warnings.append(f"{rule.where}: sparsity opportunity not exploited: no all-zero weight tile "
                                f"under the layers' tiling (a smaller `tile` may expose some)")


PASS = Pass("convc-tile", run, "Tile IMC products to the array size and L1-sized row blocks")
