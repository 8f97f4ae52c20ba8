"""The in-memory-computing array of a core: IMC_PROGRAM, IMC_MVM and IMC_MODE.

The validator tracks, per core, the shape of the matrix programmed last (IMC_MVM's byte ranges
and MACs follow from it) and the array's precision mode (packed weight bytes, bit-serial input
cycles). Execution keeps the programmed weights in an `ImcArray` per core.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import flat, strided
from ..exact import ExactWeights, wrap_int32
from ..kernels import ACCUMULATE
from ..schema import Table
from .base import Opcode, Unit

__all__ = ["ACCUMULATE", "IMC_MODE", "IMC_MVM", "IMC_PROGRAM", "ImcArray", "ImcSpec", "ImcUnit",
           "pack_weights", "packed_size", "unpack_weights", "wrap_int32"]

IMC_PROGRAM = Opcode.from_layout(0x10, "IMC_PROGRAM", "src rows cols", "imc")
IMC_MVM = Opcode.from_layout(0x11, "IMC_MVM", "in_addr in_stride out_addr out_stride m", "imc",
                             {ACCUMULATE: "acc"})
IMC_MODE = Opcode.from_layout(0x12, "IMC_MODE", "weight_bits input_bits", "imc", since_minor=1)

FLAVOURS = ("digital",)  # digital SRAM arrays: exact integer MACs
MODE_BITS = (8, 4, 2, 1)
# Area proxy of a digital IMC weight bit: an SRAM bit-cell with its share of the column adder
# trees, about 2.5x a plain 6T bit (docs/explore.md).
IMC_BIT_UM2 = 0.125  # weight bits: int8, int4, int2/ternary, binary; input bits likewise


@dataclass(frozen=True)
class ImcSpec:
    flavour: str
    rows: int  # dot-product length per tile
    cols: int  # output columns
    cycles_per_mvm: int  # per input vector at 8 input bits (bit-serial)
    program_cycles_per_row: int  # per row of int8 weights (scaled by weight bits / 8)
    energy_pj_per_mac: float
    energy_pj_per_program_byte: float
    supported_weight_bits: tuple[int, ...] = (8,)
    supported_input_bits: tuple[int, ...] = (8,)


@dataclass
class ImcStatic:
    """What the validator knows about one core's array between commands."""
    core: int
    shape: tuple[int, int] | None = None  # (rows, cols) of the matrix programmed last
    weight_bits: int = 8
    input_bits: int = 8


def packed_size(n: int, bits: int) -> int:
    """Bytes of `n` weights packed at `bits` bits each (8 bits: plain int8)."""
    return -(-n * bits // 8)


def pack_weights(codes: np.ndarray, bits: int) -> bytes:
    """Row-major weight codes → the bytes IMC_PROGRAM reads in a `bits`-bit mode.

    Element i occupies bits [i*bits, (i+1)*bits) of the blob, least significant bit first
    within each byte; codes are two's complement, except 1-bit (binary) where bit 1 is +1 and
    bit 0 is -1. 8 bits is plain int8.
    """
    flat_codes = np.asarray(codes, np.int64).reshape(-1)
    if bits == 8:
        return flat_codes.astype(np.int8).tobytes()
    raw = ((flat_codes > 0).astype(np.uint8) if bits == 1
           else (flat_codes & ((1 << bits) - 1)).astype(np.uint8))
    planes = ((raw[:, None] >> np.arange(bits, dtype=np.uint8)) & 1).reshape(-1)
    return np.packbits(planes, bitorder="little").tobytes()


def unpack_weights(blob: np.ndarray, n: int, bits: int) -> np.ndarray:
    """The inverse of pack_weights: `n` int64 codes from the packed bytes `blob` (uint8)."""
    if bits == 8:
        return blob[:n].view(np.int8).astype(np.int64)
    planes = np.unpackbits(blob, bitorder="little")[: n * bits].reshape(n, bits).astype(np.int64)
    raw = (planes << np.arange(bits)).sum(axis=1)
    if bits == 1:
        return raw * 2 - 1
    sign = 1 << (bits - 1)
    return (raw ^ sign) - sign


def mvm_accesses(f: dict, shape: tuple[int, int], accumulate: bool) -> list:
    """What an array's MVM touches: m input vectors of `rows` int8, m result rows of `cols`
    int32 (read back first when the results accumulate). Shared by the analog array."""
    rows, cols = shape
    result = [strided("in_addr", False, f["in_addr"], f["m"], rows, f["in_stride"])]
    writes = [False, True] if accumulate else [True]  # partial sums read back
    return result + [strided("out_addr", w, f["out_addr"], f["m"], 4 * cols, f["out_stride"]) for w in writes]


class ImcArray:
    """One core's array during execution, for every sample of a batch (memory.BatchMemory)."""

    def __init__(self, cache: dict | None = None):
        # Converted tiles of earlier runs: (src, rows, cols, weight bits) -> (bytes, tile).
        self.cache = {} if cache is None else cache
        # The programmed tile, converted once for every MVM: one ExactWeights when all samples
        # programmed the same bytes (weights come from DATA), else one per sample.
        self.weights: ExactWeights | list[ExactWeights] | None = None
        self.weight_bits, self.input_bits = 8, 8

    def set_mode(self, f: dict) -> None:
        self.weight_bits, self.input_bits = f["weight_bits"], f["input_bits"]

    @property
    def shape(self) -> tuple[int, int] | None:
        if self.weights is None:
            return None
        return (self.weights if isinstance(self.weights, ExactWeights) else self.weights[0]).shape

    def program(self, mem, f: dict) -> None:
        """Write a rows x cols matrix; narrow modes read it packed (see pack_weights), so every
        bit pattern is a valid weight and there is nothing to range-check."""
        rows, cols = f["rows"], f["cols"]
        n = rows * cols
        blobs = mem.view(f["src"], 1, packed_size(n, self.weight_bits), 0, np.uint8)[:, 0]
        if (blobs == blobs[:1]).all():
            key = (f["src"], rows, cols, self.weight_bits)
            seen = self.cache.get(key)
            if seen is None or not np.array_equal(seen[0], blobs[0]):  # converting costs more than comparing
                seen = self.cache[key] = (blobs[0].copy(), ExactWeights(
                    unpack_weights(blobs[0], n, self.weight_bits).reshape(rows, cols)))
            self.weights = seen[1]
        else:
            self.weights = [ExactWeights(unpack_weights(b, n, self.weight_bits).reshape(rows, cols))
                            for b in blobs]

    def mvm(self, mem, f: dict, flags: int) -> None:
        rows, cols = self.shape
        m = f["m"]
        if m == 0:
            return
        x = mem.view(f["in_addr"], m, rows, f["in_stride"], np.int8)  # [B, m, rows]
        if self.input_bits < 8:  # bit-serial: the array only sees the low input_bits bits
            sign = 1 << (self.input_bits - 1)
            x = ((x.astype(np.int64) & ((1 << self.input_bits) - 1)) ^ sign) - sign
        if isinstance(self.weights, ExactWeights):
            y = self.weights.times(x)  # one matrix product for the whole batch
        else:
            y = np.stack([w.times(xi) for w, xi in zip(self.weights, x)])
        if flags & ACCUMULATE:  # int32 + int32 wraps like the 32-bit accumulators
            y += mem.view(f["out_addr"], m, cols, f["out_stride"], np.int32)
        mem.write2d(f["out_addr"], wrap_int32(y), f["out_stride"])


class ImcUnit(Unit):
    kind = "imc"
    opcodes = (IMC_PROGRAM, IMC_MVM, IMC_MODE)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = ImcSpec(
            flavour=t.string("flavour", "digital", choices=FLAVOURS),
            rows=t.integer("rows"), cols=t.integer("cols"),
            cycles_per_mvm=t.integer("cycles_per_mvm", minimum=0),
            program_cycles_per_row=t.integer("program_cycles_per_row", minimum=0),
            energy_pj_per_mac=t.number("energy_pj_per_mac", allow_zero=True),
            energy_pj_per_program_byte=t.number("energy_pj_per_program_byte", allow_zero=True),
            supported_weight_bits=t.choices("supported_weight_bits", MODE_BITS, [8]),
            supported_input_bits=t.choices("supported_input_bits", MODE_BITS, [8]))
        t.finish()
        return spec

    def new_static(self, spec, core):
        return ImcStatic(core)

    def check(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is IMC_MVM and state.shape is None:
            return f"runs before any IMC_PROGRAM on core {state.core}"
        if cmd.op is IMC_MODE:
            for key in ("weight_bits", "input_bits"):
                supported = list(getattr(spec, f"supported_{key}"))
                if f[key] not in supported:
                    return (f"asks for {key} {f[key]}; target {target.name}'s arrays support "
                            f"{supported}")
        if cmd.op is IMC_PROGRAM and not (1 <= f["rows"] <= spec.rows and
                                          1 <= f["cols"] <= spec.cols):
            return (f"programs a {f['rows']}x{f['cols']} matrix into the "
                    f"{spec.rows}x{spec.cols} array")
        return None

    def accesses(self, cmd, state):
        f = cmd.fields
        if cmd.op is IMC_PROGRAM:  # narrow modes read the weights packed
            return [flat("src", False, f["src"],
                         packed_size(f["rows"] * f["cols"], state.weight_bits))]
        if cmd.op is IMC_MVM:
            return mvm_accesses(f, state.shape, cmd.has(ACCUMULATE))
        return []  # IMC_MODE

    def price(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is IMC_PROGRAM:  # fewer weight bits: fewer bit planes to write
            cycles = -(-f["rows"] * spec.program_cycles_per_row * state.weight_bits // 8)
            energy = (f["rows"] * f["cols"] * spec.energy_pj_per_program_byte
                      * state.weight_bits / 8)
            return cycles, 0, energy
        if cmd.op is IMC_MVM:  # bit-serial inputs: cycles follow the input bits
            macs = f["m"] * state.shape[0] * state.shape[1]
            return (-(-f["m"] * spec.cycles_per_mvm * state.input_bits // 8), macs,
                    macs * spec.energy_pj_per_mac)
        return 1, 0, 0.0  # IMC_MODE

    def track(self, cmd):
        return "compute: imc" if cmd.op is IMC_MVM else "program: imc"

    def area_um2(self, spec):  # a compute bit-cell per weight bit (docs/explore.md)
        return spec.rows * spec.cols * max(spec.supported_weight_bits) * IMC_BIT_UM2

    def advance(self, cmd, state):
        if cmd.op is IMC_PROGRAM:
            state.shape = (cmd.fields["rows"], cmd.fields["cols"])
        elif cmd.op is IMC_MODE:
            state.weight_bits = cmd.fields["weight_bits"]
            state.input_bits = cmd.fields["input_bits"]

    def new_state(self, spec, options=None):
        return ImcArray()

    # One ImcArray serves the whole batch (it takes a BatchMemory; a sample's Memory is a
    # batch of one).
    def new_batch_state(self, spec, options, cache):
        return ImcArray(cache)

    def execute_batch(self, cmd, memory, state):
        self.execute(cmd, memory, state)

    def measured_batch(self, cmd, state):
        return None

    def execute(self, cmd, memory, state):
        memory = memory.as_batch() if hasattr(memory, "as_batch") else memory
        if cmd.op is IMC_PROGRAM:
            state.program(memory, cmd.fields)
        elif cmd.op is IMC_MVM:
            state.mvm(memory, cmd.fields, cmd.flags)
        else:
            state.set_mode(cmd.fields)
