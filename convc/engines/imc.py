"""The IMC crossbar engine: im2col-style matrix products on array-sized weight tiles.

A product of M input vectors of K rows with a [K, N] weight matrix runs as a grid of tiles:
ceil(K / tile_rows) row tiles whose partial sums accumulate in int32, times ceil(N / tile_cols)
column tiles written side by side. Input vectors are processed in blocks of `m_block` rows so
the patch matrix and accumulators fit the core's L1. The DPU beside the array builds patches
(DPU_IM2COL) and requantizes the accumulators (DPU_REQUANT), so the engine needs a DPU on the
same core. Until convc-tile has run, cost and working set assume array-sized tiles and one
block.

A convolution whose input and output maps do not fit L1 is tiled spatially: `band_rows`
output rows at a time, each band DMAs just the input rows its windows read (the halo
included) from L2 into L1, runs the tiles on them and writes its output rows back to L2.

A layer much smaller than the array (k rows and n columns, up to min(rows // k, cols // n)
copies fit) may be packed: its weights repeat p times on the diagonal of one block-diagonal
tile, and one MVM takes p consecutive input vectors side by side (patch rows are consecutive
in L1, and so are the accumulator rows they produce), so the layer needs p times fewer MVMs.
The tile holds p*p times the weight bytes (the zero blocks are loaded, programmed and cost
MAC energy like any cell), so convc-tile takes the p the cost model prices lowest. A copy's
zero blocks add nothing to the other vectors' columns, so the results are bit for bit those
of the unpacked layer.

Narrow precisions (convc-check-precision's `weight_precision` and `in_bits`) run in an array
mode (IMC_MODE): bit-serial inputs take one cycle per input bit, programming time follows the
weight bits, and narrow weights are stored and moved packed (runtime.units.imc.pack_weights),
so their DRAM traffic shrinks with the bits too. A core switches mode only when the next IMC
layer needs a different one.
"""

import numpy as np

from convc import quant_math as qm
from convc.dialects import dpu, imc
from convc.engines import analog
from convc.dialects.imc import dot_product_shape
from convc.engines.base import Engine, l1_bytes, rows_read
from convc.errors import TargetFitError, UnsupportedOpError
from convc.frontend import tosa_eval
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import get_array, get_int, i64_array, numel, tensor_shape
from convc.ir.locations import describe
from convc.ir.schema import (ANALOG_SENSITIVITY, ARRAY_COLS, ARRAY_ROWS, BAND_ROWS, IN_BITS, M_BLOCK, PACK, PROPOSED_WEIGHTS,
                             SKIP_TILES, TILE_COLS, TILE_ROWS, WEIGHT_PRECISION)
from convc.ir.util import defining_op, dense_constant, is_constant, op_name, users
from convc.quant_math import BITS
from convc.runtime.builder import requant_params
from convc.runtime.stream import ACCUMULATE, Op
from convc.runtime.units.imc import pack_weights, packed_size


def weight_matrix(op) -> np.ndarray:
    """The [K, N] int8 matrix the array holds; K is ordered (ky, kx, cin) like the patches."""
    w = const_value(op.operands[1].owner).astype(np.int8)
    if op.operation.name == "imc.conv2d":
        return w.transpose(1, 2, 3, 0).reshape(-1, w.shape[0])
    return w


def array_mode(op) -> tuple[int, int]:
    """(weight bits, input bits) the op runs the array in."""
    return BITS[WEIGHT_PRECISION.get(op, "int8")], IN_BITS.get(op, 8)


def tile_shape(op, spec=None) -> tuple[int, int]:
    """(rows, cols) of the op's weight tiles: convc-tile's choice, else array-sized on `spec`."""
    _, k, n = dot_product_shape(op)
    if TILE_ROWS.has(op):
        return TILE_ROWS.get(op), TILE_COLS.get(op)
    return min(k, spec.rows), min(n, spec.cols)


def full_tile_grid(op, spec=None):
    """Every tile of the op's tiling, [(i, j, k0, k1, n0, n1)]: column tiles outer, row tiles inner."""
    _, k, n = dot_product_shape(op)
    tr, tc = tile_shape(op, spec)
    return [(i, j, k0, min(k, k0 + tr), n0, min(n, n0 + tc))
            for j, n0 in enumerate(range(0, n, tc)) for i, k0 in enumerate(range(0, k, tr))]


def zero_tiles(op) -> list[int]:
    """Indices (into full_tile_grid) of all-zero weight tiles that can be skipped: their
    partial sums are zero. Each column keeps its first tile if all of them are zero, because
    some MVM has to write that column's accumulators."""
    wm = weight_matrix(op)
    grid = full_tile_grid(op)
    zero = [not wm[k0:k1, n0:n1].any() for _, _, k0, k1, n0, n1 in grid]
    skip = []
    for j in sorted({g[1] for g in grid}):
        column = [t for t, g in enumerate(grid) if g[1] == j]
        zeros = [t for t in column if zero[t]]
        skip += zeros[1:] if len(zeros) == len(column) else zeros
    return sorted(skip)


def tile_grid(op, spec=None):
    """The tiles the array runs, in execution order (minus `skip_tiles` from a sparsity opportunity)."""
    skip = set(SKIP_TILES.get(op, []))
    return [g for t, g in enumerate(full_tile_grid(op, spec)) if t not in skip]


def array_bits(target, key: str) -> list[int]:
    """Bits the target's arrays offer for `key` ("weight_bits" or "input_bits"): the union
    over its array engines (digital and analog: every spec with `supported_<key>`); [8] on a
    target without arrays (the host computes any int8 code)."""
    specs = [spec for g in target.groups for spec in g.engines.values() if hasattr(spec, f"supported_{key}")]
    bits = {b for spec in specs for b in getattr(spec, f"supported_{key}")}
    return sorted(bits) if specs else [8]


# -- lowering from TOSA (the functions take the convc/passes/lowering.py toolkit) -------------

def lower_conv2d(lw, op):
    x, pad = lw.window_input(op)
    w = tosa_eval.const_value(defining_op(op.operands[1]))
    b = np.broadcast_to(tosa_eval.const_value(defining_op(op.operands[2])).reshape(-1), (w.shape[0],))
    s_in, zp_in = lw.q(x)
    loc = op.location

    def build(p, out, lo, hi):
        xin, s_x, zp_x, dac = _array_input(lw, lw.vmap[x], s_in, zp_in, p, loc)
        wq, s_w = qm.weight_qparams(w, axis=0, precision=p.weights)
        new = imc.Conv2dOp(
            xin, dense_constant(wq, loc=loc),
            lw.bias(b, wq.reshape(w.shape[0], -1), s_x, s_w, zp_x, loc),
            i64_array(tosa_eval.int_array(op, "stride")), i64_array(pad),
            i64_array(tosa_eval.int_array(op, "dilation")),
            **lw.requant_attrs(s_x, s_w, zp_x, out, lo, hi, p), output=lw.i8(lw.shape(out)), loc=loc)
        return analog.mark(new, lw.ctx.target, dac) if dac else new
    new, out = lw.layer(op.results[0], build, has_weights=True, proposed=PROPOSED_WEIGHTS.get(op))
    ANALOG_SENSITIVITY.copy(op, new)
    lw.bind(new, out)


def _array_input(lw, x, s_in, zp_in, precision, loc):
    """(value, scale, zero point, DAC range or None) the array reads: the layer's input, or for
    an analog layer (ternary weights on a target with an analog array) its DAC codes."""
    if not analog.is_analog(lw.ctx.target, precision):
        return x, s_in, zp_in, None
    codes, s_dac, dac = analog.dac_input(lw, x, s_in, zp_in, loc)
    return codes, s_dac, 0, dac


def lower_matmul(lw, op):
    a, b = op.operands[0], op.operands[1]
    if is_constant(b) and lw.shape(b)[0] != 1:
        raise UnsupportedOpError(
            f"{describe(op)}: MatMul with a batch of {lw.shape(b)[0]} constant weight matrices "
            f"({'x'.join(map(str, lw.shape(b)))}) is not supported: the IMC array holds one [K, N] matrix per layer "
            f"(export a 2-D weight, or one MatMul per matrix)")
    if not is_constant(b):
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
    s_in, zp_in = lw.q(a)
    loc = op.location

    def build(p, final, lo, hi):
        xin, s_x, zp_x, dac = _array_input(lw, lw.vmap[a], s_in, zp_in, p, loc)
        wq, s_w = qm.weight_qparams(w, axis=1, precision=p.weights)
        new = imc.MatmulOp(
            xin, dense_constant(wq, loc=loc),
            lw.bias(bias, wq.T, s_x, s_w, zp_x, loc),
            **lw.requant_attrs(s_x, s_w, zp_x, final, lo, hi, p), output=lw.i8(lw.shape(out)), loc=loc)
        return analog.mark(new, lw.ctx.target, dac) if dac else new
    new, final = lw.layer(chain[-1], build, has_weights=True, proposed=PROPOSED_WEIGHTS.get(op))
    ANALOG_SENSITIVITY.copy(op, new)
    result = new.output
    if lw.shape(final) != lw.shape(out):
        result = dpu.ReshapeOp(result, lw.i8(lw.shape(final)), loc=loc).output
    for v in chain[1:]:
        lw.fused.add(v)
    lw.vmap[final] = result


class ImcEngine(Engine):
    kind = "imc"
    ops = ("imc.conv2d", "imc.matmul")
    lowerings = {"tosa.conv2d": lower_conv2d, "tosa.matmul": lower_matmul}
    replicable = True
    array_modes = True  # its ops carry input bits: with the weights' bits they select an array mode

    def sample_axis(self, op, operand_axes):
        """Every input vector (a conv's image, a matrix product's row) meets the same
        weights on its own: any axis but the dot product's holds independent samples."""
        axis = operand_axes[0]
        last = len(tensor_shape(op.operands[0])) - 1
        if op.operation.name == "imc.conv2d":
            return 0 if axis == 0 else None
        return axis if axis is not None and axis < last else None

    def precision_problem(self, op, target):
        weight_bits, input_bits = array_mode(op)
        if weight_bits not in array_bits(target, "weight_bits") or input_bits not in array_bits(target, "input_bits"):
            return (f"{target.name}'s arrays have no mode for {WEIGHT_PRECISION.get(op, 'int8')} weights "
                    f"with int{input_bits} inputs")
        return None

    @staticmethod
    def spec(target, core):
        return target.engines(core)["imc"]

    def refusal(self, op, target, core):
        engines = target.engines(core)
        if "dpu" not in engines:
            return "its array needs a DPU on the same core (im2col, requantization)"
        needed = ("im2col", "requant") if op.operation.name == "imc.conv2d" else ("requant",)
        missing = [k for k in needed if k not in engines["dpu"].ops]
        if missing:
            return f"the core's DPU lacks {', '.join(missing)}"
        weight_bits, input_bits = array_mode(op)
        spec = self.spec(target, core)
        if weight_bits not in spec.supported_weight_bits or input_bits not in spec.supported_input_bits:
            return (f"its arrays have no mode for {weight_bits}-bit weights with {input_bits}-bit inputs "
                    f"(weights {list(spec.supported_weight_bits)}, inputs {list(spec.supported_input_bits)})")
        return None

    def pack_factor(self, op, spec) -> int:
        """Input vectors one MVM can take side by side (1: the layer is not packed): a layer
        that is one tile, with no skipped tiles, of which at least two copies fit the array."""
        m, k, n = dot_product_shape(op)
        if k > spec.rows or n > spec.cols or SKIP_TILES.has(op):
            return 1
        return max(1, min(spec.rows // k, spec.cols // n, m))

    def constants(self, op):
        wm = weight_matrix(op)
        bits = array_mode(op)[0]
        if PACK.get(op, 1) > 1:  # one block-diagonal tile
            tiles = pack_weights(np.kron(np.eye(PACK.get(op), dtype=np.int8), wm), bits)
        else:
            tiles = b"".join(pack_weights(wm[k0:k1, n0:n1], bits) for _, _, k0, k1, n0, n1 in tile_grid(op))
        bias = const_value(op.operands[2].owner)
        return {"weights": tiles,
                "params": requant_params(bias, get_array(op, "mult"), get_array(op, "shift"))}

    def l1_buffers(self, op, target, core, m_block=None, band_rows=None):
        m, k, n = dot_product_shape(op)
        band_rows = band_rows or BAND_ROWS.get(op)
        if band_rows:
            _, h, w, c = tensor_shape(op.input)
            mb = band_rows * tensor_shape(op.output)[2]
            band_in, band_out = min(h, input_rows_read(op, band_rows)) * w * c, mb * n
        else:
            mb = m_block or M_BLOCK.get(op) or m
            band_in, band_out = numel(op.input), m * n
        tr, tc = tile_shape(op, self.spec(target, core))
        p = PACK.get(op, 1)
        if p > 1:  # the last MVM of a block reads and writes up to p - 1 rows past it
            mb = -(-mb // p) * p
            if op.operation.name == "imc.matmul":  # blocks start at any row: room for p - 1 more
                band_in = (m + p - 1) * k
        bufs = [("input", band_in), ("weights", packed_size(p * tr * p * tc, array_mode(op)[0])), ("params", 12 * n)]
        if op.operation.name == "imc.conv2d":
            bufs.append(("patches", mb * k))
        return bufs + [("acc", 4 * mb * n), ("output", band_out)]

    def tile(self, op, target, core, room, wanted=None):
        """Array tiles (`wanted` (rows, cols) from a `tile` rule, if the array can hold it) and
        the largest row block that keeps the working set within `room` bytes of L1."""
        spec = self.spec(target, core)
        m, k, n = dot_product_shape(op)
        rows, cols = min(k, spec.rows), min(n, spec.cols)
        refused, pack = None, 1
        if wanted is not None:
            if 1 <= wanted[0] <= spec.rows and 1 <= wanted[1] <= spec.cols:
                rows, cols = min(wanted[0], k), min(wanted[1], n)
            else:
                refused = (f"tile {wanted[0]}x{wanted[1]} does not fit {target.name}'s {spec.rows}x{spec.cols} "
                           f"array", f"tile {rows}x{cols}")
            most = self.pack_factor(op, spec) if (rows, cols) == (k, n) else 1
            if len(wanted) > 2 and wanted[2] > most and refused is None:
                refused = (f"pack {wanted[2]} needs {wanted[2]} copies of the layer's {k}x{n} weights in one "
                           f"{spec.rows}x{spec.cols} tile; at most {most} fit", f"tile {rows}x{cols} pack 1")
            elif len(wanted) > 2:
                pack = wanted[2]
        ARRAY_ROWS.set(op, spec.rows)
        ARRAY_COLS.set(op, spec.cols)
        if wanted is None:
            pack = self._cheapest_pack(op, target, core, room, rows, cols)
        # Whole maps in L1 if they fit with some row block, else row bands of the maps; if even
        # one band does not fit, smaller weight tiles (their L1 staging buffer shrinks).
        while True:
            TILE_ROWS.set(op, rows)
            TILE_COLS.set(op, cols)
            _set_pack(op, pack)
            BAND_ROWS.delete(op)
            try:
                fit_row_block(self, op, target, core, room)
                return refused
            except TargetFitError:
                if op.operation.name == "imc.conv2d" and fit_bands(self, op, target, core, room):
                    return refused
                if wanted is not None or max(rows, cols) <= MIN_TILE:
                    raise
            if pack > 1 and wanted is None:  # the packed tile's staging buffer does not fit: unpack first
                pack = 1
                continue
            rows, cols = ((rows + 1) // 2, cols) if rows >= cols else (rows, (cols + 1) // 2)



    def _cheapest_pack(self, op, target, core, room, rows, cols) -> int:
        """The packing the cost model prices lowest: p vectors per MVM cut the MVMs p-fold,
        but the block-diagonal tile has p*p times the weight bytes to load and program.
        `rows` x `cols` is the layer's one tile."""
        most = self.pack_factor(op, self.spec(target, core))
        if most == 1:
            return 1
        candidates = sorted({1, most} | {2 ** i for i in range(1, most.bit_length()) if 2 ** i < most})
        best = (None, 1)
        TILE_ROWS.set(op, rows)
        TILE_COLS.set(op, cols)
        for p in candidates:
            _set_pack(op, p)
            try:
                fit_row_block(self, op, target, core, room)
            except TargetFitError:
                continue
            cycles = self._price(op, target, core, frozenset()).total
            if best[0] is None or cycles < best[0]:
                best = (cycles, p)
        PACK.delete(op)
        return best[1]

    def emit_prefetch(self, op, em):
        self.set_mode(op, em)
        _, _, k0, k1, n0, n1 = tile_grid(op, self.spec(em.target, em.core))[0]
        p = PACK.get(op, 1)
        em.copy(em.const("weights"), em.l1("weights"), packed_size(p * (k1 - k0) * p * (n1 - n0), array_mode(op)[0]))
        self.program(op, em, p * (k1 - k0), p * (n1 - n0))

    # The array's own commands; the analog flavour (engines/imc_analog.py) has its own.
    def set_mode(self, op, em):
        mode = em.state("imc")
        if mode.get("bits", (8, 8)) != array_mode(op):  # an all-int8 stream has no IMC_MODE
            em.cmd(Op.IMC_MODE, weight_bits=array_mode(op)[0], input_bits=array_mode(op)[1])
            mode["bits"] = array_mode(op)

    def program(self, op, em, rows, cols):
        em.cmd(Op.IMC_PROGRAM, src=em.l1("weights"), rows=rows, cols=cols)

    def mvm(self, op, em, accumulate, **fields):
        em.cmd(Op.IMC_MVM, flags=ACCUMULATE if accumulate else 0, **fields)

    def emit(self, op, em):
        m, k, n = dot_product_shape(op)
        em.copy(em.const("params"), em.l1("params"), 12 * n)
        tiles = _TileRunner(self, op, em)
        if BAND_ROWS.has(op):
            return self._emit_bands(op, em, tiles)
        em.copy(em.addr(op.input), em.l1("input"), numel(op.input))
        mb = M_BLOCK.get(op) or m
        for r0 in range(0, m, mb):
            rows = min(mb, m - r0)
            if op.operation.name == "imc.conv2d":
                im2col(op, em, Op.DPU_IM2COL, r0, rows)
                tiles.run(em.l1("patches"), rows)
            else:
                tiles.run(em.l1("input") + r0 * k, rows)
            requant(op, em, Op.DPU_REQUANT, r0, rows, n)
        em.copy(em.l1("output"), em.addr(op.output), m * n)

    def _emit_bands(self, op, em, tiles):
        """Spatial tiling: per image and band of output rows, the input rows it reads → L1,
        im2col of the band (its first row as row 0, the rows above it as padding), the
        tiles, and the band's output rows → L2."""
        n_img, h, w, c = tensor_shape(op.input)
        _, out_h, out_w, n = tensor_shape(op.output)
        kh, kw = tensor_shape(op.weights)[1:3]
        sh, sw = get_array(op, "stride")
        dh, dw = get_array(op, "dilation")
        pad = get_array(op, "pad")
        band = BAND_ROWS.get(op)
        for image in range(n_img):
            for oy0 in range(0, out_h, band):
                rows = min(band, out_h - oy0)
                first = oy0 * sh - pad[0]  # input row under the band's first window
                lo, hi = max(0, first), min(h, first + input_rows_read(op, rows))
                if hi > lo:
                    em.copy(em.addr(op.input) + (image * h + lo) * w * c, em.l1("input"), (hi - lo) * w * c)
                em.cmd(Op.DPU_IM2COL, in_addr=em.l1("input"), h=max(hi - lo, 0), w=w, c=c, kh=kh, kw=kw,
                       stride_h=sh, stride_w=sw, pad_top=lo - first, pad_left=pad[2], dil_h=dh, dil_w=dw,
                       pad_value=get_int(op, "in_zp"), out_addr=em.l1("patches"), row_start=0,
                       n_rows=rows * out_w, out_h=rows, out_w=out_w)
                tiles.run(em.l1("patches"), rows * out_w)
                requant(op, em, Op.DPU_REQUANT, 0, rows * out_w, n)
                em.copy(em.l1("output"), em.addr(op.output) + (image * out_h + oy0) * out_w * n, rows * out_w * n)

    def skip_zero_tiles(self, op) -> int:
        """Sparsity opportunity: skip the op's all-zero weight tiles; returns how many."""
        skip = zero_tiles(op)
        if skip:
            SKIP_TILES.set(op, skip)
        return len(skip)

    def starter_lines(self, op, selector):
        pack = f" pack {PACK.get(op)}" if PACK.has(op) else ""
        return [f"tile {selector} rows {TILE_ROWS.get(op)} cols {TILE_COLS.get(op)}{pack}"]

    def describe(self, op):
        m, k, n = dot_product_shape(op)
        grid = tile_grid(op)
        full = full_tile_grid(op)
        skipped = len(full) - len(grid)
        return {"mvm_shape": [m, k, n], **({"skipped_zero_tiles": skipped} if skipped else {}),
                **({"pack": PACK.get(op)} if PACK.has(op) else {}),
                "row_tiles": len({g[0] for g in full}),
                "col_tiles": len({g[1] for g in full}), "tile": [TILE_ROWS.get(op), TILE_COLS.get(op)],
                "m_block": M_BLOCK.get(op),
                **({"analog_sensitivity": round(ANALOG_SENSITIVITY.get(op), 6)} if ANALOG_SENSITIVITY.has(op) else {})}


class _TileRunner:
    """Runs the weight tiles over blocks of input vectors, reprogramming the array only when
    the next tile differs from the one it holds (the prefetch programmed the first)."""

    def __init__(self, engine, op, em):
        self.engine, self.op, self.em = engine, op, em
        self.k, self.n = dot_product_shape(op)[1:]
        self.grid = tile_grid(op, engine.spec(em.target, em.core))
        self.sizes = [packed_size((k1 - k0) * (n1 - n0), array_mode(op)[0]) for _, _, k0, k1, n0, n1 in self.grid]
        self.offsets = np.cumsum([0] + self.sizes)
        self.programmed = 0

    def run(self, src, rows):
        em, written = self.em, set()  # columns whose accumulators hold a partial sum already
        p = PACK.get(self.op, 1)
        if p > 1:  # one block-diagonal tile, programmed by the prefetch: p vectors per MVM
            self.engine.mvm(self.op, em, False, in_addr=src, in_stride=p * self.k, out_addr=em.l1("acc"),
                            out_stride=4 * p * self.n, m=-(-rows // p))
            return
        for t, (_i, j, k0, k1, n0, n1) in enumerate(self.grid):
            if self.programmed != t:
                em.copy(em.const("weights") + int(self.offsets[t]), em.l1("weights"), self.sizes[t])
                self.engine.program(self.op, em, k1 - k0, n1 - n0)
                self.programmed = t
            self.engine.mvm(self.op, em, j in written, in_addr=src + k0, in_stride=self.k,
                            out_addr=em.l1("acc") + 4 * n0, out_stride=4 * self.n, m=rows)
            written.add(j)


def _set_pack(op, p: int) -> None:
    """`convc.pack` = p, or none for an unpacked layer."""
    if p > 1:
        PACK.set(op, p)
    else:
        PACK.delete(op)


def input_rows_read(op, out_rows: int) -> int:
    return rows_read(out_rows, get_array(op, "stride")[0], tensor_shape(op.weights)[1], get_array(op, "dilation")[0])


def im2col(op, em, opcode, r0: int, rows: int) -> None:
    """Patch rows [r0, r0 + rows) of a conv's input into L1 `patches` (DPU_IM2COL or the host's).

    Rows count output pixels over the whole batch; an IM2COL command sees one image, so a
    block that crosses images becomes one command per image."""
    _, h, w, c = tensor_shape(op.input)
    _, kh, kw, _ = tensor_shape(op.weights)
    _, out_h, out_w, _ = tensor_shape(op.output)
    sh, sw = get_array(op, "stride")
    dh, dw = get_array(op, "dilation")
    pad = get_array(op, "pad")
    done = 0
    while done < rows:
        image, start = divmod(r0 + done, out_h * out_w)
        n = min(rows - done, out_h * out_w - start)
        em.cmd(opcode, in_addr=em.l1("input") + image * h * w * c, h=h, w=w, c=c, kh=kh, kw=kw,
               stride_h=sh, stride_w=sw, pad_top=pad[0], pad_left=pad[2], dil_h=dh, dil_w=dw,
               pad_value=get_int(op, "in_zp"), out_addr=em.l1("patches") + done * kh * kw * c,
               row_start=start, n_rows=n, out_h=out_h, out_w=out_w)
        done += n


def requant(op, em, opcode, r0: int, rows: int, n: int) -> None:
    """int32 accumulators of rows [r0, r0 + rows) → int8 output rows (DPU_REQUANT or the host's)."""
    em.cmd(opcode, in_addr=em.l1("acc"), in_stride=4 * n, out_addr=em.l1("output") + r0 * n,
           out_stride=n, m=rows, c=n, params_addr=em.l1("params"), out_zp=get_int(op, "out_zp"),
           clamp_min=get_int(op, "clamp_min"), clamp_max=get_int(op, "clamp_max"))

def fit_row_block(engine, op, target, core, room) -> None:
    """The largest block of input rows (`m_block`) whose working set fits `room` bytes of L1."""
    m = dot_product_shape(op)[0]
    block = m
    while block > 1 and l1_bytes(engine.l1_buffers(op, target, core, block)) > room:
        block = (block + 1) // 2
    need = l1_bytes(engine.l1_buffers(op, target, core, block))
    if need > room:
        kept = target.l1_size(core) - room
        raise TargetFitError(f"{describe(op)} needs {need} bytes of L1 even one row at a time, "
                             f"but {target.name}'s L1 holds {target.l1_size(core)}"
                             + (f" ({kept} of them kept for tensors that never leave the core)" if kept else ""))
    M_BLOCK.set(op, block)


MIN_TILE = 32  # smallest weight tile side tried when L1 cannot stage a bigger one


def fit_bands(engine, op, target, core, room) -> bool:
    """Spatial tiling: the most output rows per band whose working set fits `room`."""
    band = tensor_shape(op.output)[1]
    while band > 1 and l1_bytes(engine.l1_buffers(op, target, core, band_rows=band)) > room:
        band = (band + 1) // 2
    if l1_bytes(engine.l1_buffers(op, target, core, band_rows=band)) > room:
        return False
    BAND_ROWS.set(op, band)
    M_BLOCK.set(op, band * tensor_shape(op.output)[2])
    return True
