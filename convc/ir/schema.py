"""The discardable attributes passes exchange on engine ops: one declared schema.

Every fact a pass leaves on an op for a later pass, for emission or for the report is declared
here once, with its type and meaning, and lives in the IR as `convc.<name>` so it never
collides with an op's own (inherent) attributes. Passes read and write them only through these
objects: a misspelt name is an AttributeError in Python, not a silently missing attribute.

    CORE.set(op, 2); CORE.get(op)            # -> 2 (None, or the default given, if absent)
    L1.set(op, "input", addr); L1.get(op, "input")
    SOURCE.set(op, "core", "map.cva:3")      # where a decision came from

The order of the declarations below is the order of the pipeline that sets them.
"""

from dataclasses import dataclass

from convc.ir.mlir import ir

PREFIX = "convc."


def _attrs(op):
    return op.operation.attributes if hasattr(op, "operation") else op.attributes


def _i64(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def _to_python(kind: str, attr):
    if kind == "int":
        return ir.IntegerAttr(attr).value
    if kind == "ints":
        return list(ir.DenseI64ArrayAttr(attr))
    if kind == "str":
        return ir.StringAttr(attr).value
    if kind == "float":
        return ir.FloatAttr(attr).value
    return True  # unit


def _to_attr(kind: str, value):
    if kind == "int":
        return _i64(value)
    if kind == "ints":
        return ir.DenseI64ArrayAttr.get([int(v) for v in value])
    if kind == "str":
        return ir.StringAttr.get(str(value))
    if kind == "float":
        return ir.FloatAttr.get(ir.F64Type.get(), float(value))
    return ir.UnitAttr.get()


@dataclass(frozen=True)
class Attr:
    """One discardable attribute: `convc.<name>` of kind int, ints (i64 array), str, float (f64) or unit."""

    name: str
    kind: str
    doc: str

    @property
    def key(self) -> str:
        return PREFIX + self.name

    def has(self, op) -> bool:
        return self.key in _attrs(op)

    def get(self, op, default=None):
        attrs = _attrs(op)
        return _to_python(self.kind, attrs[self.key]) if self.key in attrs else default

    def set(self, op, value=True) -> None:
        _attrs(op)[self.key] = _to_attr(self.kind, value)

    def copy(self, src, dst) -> None:
        if self.has(src):
            _attrs(dst)[self.key] = _attrs(src)[self.key]

    def delete(self, op) -> None:
        if self.has(op):
            del _attrs(op)[self.key]


@dataclass(frozen=True)
class Family:
    """A family of attributes `convc.<prefix>.<member>` (one per L1 buffer, constant, decision)."""

    prefix: str
    kind: str
    doc: str

    def member(self, name: str) -> Attr:
        return Attr(f"{self.prefix}.{name}", self.kind, self.doc)

    def has(self, op, name: str) -> bool:
        return self.member(name).has(op)

    def get(self, op, name: str, default=None):
        return self.member(name).get(op, default)

    def set(self, op, name: str, value) -> None:
        self.member(name).set(op, value)

    def items(self, op) -> list[tuple[str, object]]:
        """(member, value) of every member set on `op`, sorted by member name."""
        start = PREFIX + self.prefix + "."
        attrs = _attrs(op)
        return sorted((name[len(start):], _to_python(self.kind, attrs[name])) for name in attrs
                      if name.startswith(start))


# -- set by convc-fold-pad (on TOSA) --------------------------------------------------------
POOL_COUNTS_PAD = Attr("count_include_pad", "unit",
                         "a tosa.avg_pool2d whose padding came from a Pad: padded zeros count in the mean")
# -- set by convc-analog-split (on TOSA; the lowering copies the sensitivity to the layer) ------
PROPOSED_WEIGHTS = Attr("proposed_weights", "str", "weights' precision a heuristic chose for the layer (ternary: an "
                        "analog layer); a `precision` rule overrides it")
ANALOG_SENSITIVITY = Attr("analog_sensitivity", "float", "relative output error of the network, measured on the "
                          "calibration samples, when only this layer runs analog (ternary weights, DAC inputs)")
# -- set by convc-lower-to-engines ----------------------------------------------------------
WEIGHT_PRECISION = Attr("weight_precision", "str", "weights' precision (int8, int4, int2, ternary, binary)")
ACT_BITS = Attr("act_bits", "int", "bits of the codes of the op's result (8 unless a precision rule narrowed it)")
NO_FUSE = Attr("no_fuse", "unit", "a no_fuse rule kept the activations after this op out of its clamp")
DAC_RANGE = Attr("dac_range", "ints", "[lo, hi] of the DAC codes an analog IMC layer's input is quantized into")
ADC_RANGE = Attr("adc_range", "ints", "[lo, hi] of the codes the analog array's ADCs output")
# -- convc-check-precision ------------------------------------------------------------------
ID = Attr("id", "int", "program-order number of an engine op (layer selectors, events)")
IN_BITS = Attr("in_bits", "int", "bits of an IMC op's input codes: with WEIGHT_PRECISION, its array mode")
# -- convc-replicate ------------------------------------------------------------------------
REPLICA = Attr("replica", "ints", "[index, count, id of the original layer] of a band copy")
# -- convc-convert-to-snn -------------------------------------------------------------------
RATE_SCALE = Attr("rate_scale", "float", "a converted spiking layer's rate scale: the ANN output (codes above its zero "
                  "point) that one spike per step stands for (threshold balancing)")
# -- convc-allocate-cores -------------------------------------------------------------------
CORE = Attr("core", "int", "the core that runs the op")
ENGINE = Attr("engine", "str", "the engine kind that runs the op on its core")
KEEP_IN_CORE = Attr("keep_in_core", "int", "core whose L1 holds the op's result for the whole inference")
# -- convc-tile -----------------------------------------------------------------------------
TILE_ROWS = Attr("tile_rows", "int", "rows of each weight tile in the array")
TILE_COLS = Attr("tile_cols", "int", "columns of each weight tile")
ARRAY_ROWS = Attr("array_rows", "int", "rows of the array the op runs on (checked by the op verifier)")
ARRAY_COLS = Attr("array_cols", "int", "columns of that array")
M_BLOCK = Attr("m_block", "int", "input vectors processed per L1-sized block")
PACK = Attr("pack", "int", "input vectors per MVM of a small layer: its weights repeat on the diagonal of one "
                           "array tile (block-diagonal), consecutive vectors side by side")
ELEMENTS = Attr("chunk", "int", "elements per L1-sized chunk of an element-wise DPU op too big for L1")
BAND_ROWS = Attr("band_rows", "int", "output rows per band when a conv streams its input and output through "
                 "L1 in row bands (spatial tiling), because the whole maps do not fit")
CGRA_SCHEDULE = Attr("cgra_schedule", "ints", "a CGRA kernel's modulo schedule on its virtual core: [ii, ResMII, "
                     "RecMII, length, ALUs, MULs, LSUs], then per body node [cycle, unit, registers, latency]")
SKIP_TILES = Attr("skip_tiles", "ints", "indices of all-zero weight tiles skipped (sparsity opportunity)")
# -- convc-calibrate-engines ----------------------------------------------------------------
ADC_SHIFT = Attr("adc_shift", "int", "an analog layer's ADC gain: each tile's column sums are shifted right by it "
                 "(rounding) before the ADC, chosen on the calibration inputs")
# -- convc-plan-memory ----------------------------------------------------------------------
CONST = Family("const", "int", "address of the op's constant blob <member> (DRAM, or L2 when resident)")
OUT_ADDR = Attr("out_addr", "int", "address of the op's result")
AFTER = Attr("after", "ints", "ids of earlier readers of the reused buffer: write-after-read hazards")
L1 = Family("l1", "int", "address of the op's L1 buffer <member>")
# -- convc-schedule -------------------------------------------------------------------------
WAITS = Attr("waits", "ints", "events (producer ids on other cores) the op waits for")
SIGNAL = Attr("signal", "int", "1 if the op signals its id when done (another core waits for it)")
# -- every pass that decides something ------------------------------------------------------
SOURCE = Family("source", "str", "where decision <member> came from: 'heuristic' or an annotation file:line")
