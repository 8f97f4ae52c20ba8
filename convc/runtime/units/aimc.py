"""The analog in-memory-computing array of a core: AIMC_PROGRAM and AIMC_MVM (format 1.9).

An analog crossbar of `rows` x `cols` cells pairs holds ternary weights {-1, 0, +1}. An input
vector is applied through DACs as codes of `dac_bits` bits (unsigned [0, 2^b - 1], or signed
[-2^(b-1), 2^(b-1) - 1] with the SIGNED_INPUT flag; codes outside are clipped, as a DAC
saturates); each column's sum of products, optionally perturbed by seeded Gaussian noise,
passes a power-of-two gain (`adc_shift`, a right shift with rounding) and an ADC of `adc_bits`
bits that clips to its signed range. The digital side shifts the ADC code back
(`<< adc_shift`) and adds it to the int32 accumulators with ACCUMULATE, so the partial sums of
row tiles add after their own ADC clipping: the tiling changes the result, and the compiler's
integer reference models exactly the tiles it emitted (convc.dialects.integer.analog_tiles, the
compiler's definition, which this unit must match bit for bit without noise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StreamError
from ..geometry import flat
from ..exact import exact_matmul, wrap_int32
from ..kernels import ACCUMULATE
from ..schema import Table
from .base import Opcode, Unit
from .imc import mvm_accesses, packed_size, unpack_weights

__all__ = ["AIMC_MVM", "AIMC_PROGRAM", "AimcSpec", "AimcUnit", "AnalogNoise", "SIGNED_INPUT", "analog_mvm"]

SIGNED_INPUT = 2  # AIMC_MVM: the DAC takes signed codes (default: unsigned)
AIMC_PROGRAM = Opcode.from_layout(0x14, "AIMC_PROGRAM", "src rows cols", "aimc", since_minor=9)
AIMC_MVM = Opcode.from_layout(0x15, "AIMC_MVM", "in_addr in_stride out_addr out_stride m adc_shift", "aimc",
                              {ACCUMULATE: "acc", SIGNED_INPUT: "signed"}, since_minor=9)
WEIGHT_BITS = 2  # ternary weights travel packed at 2 bits (codes -1, 0, +1; -2 is no cell state)
MAX_ADC_SHIFT = 24


@dataclass(frozen=True)
class AimcSpec:
    rows: int  # inputs (DACs) per array
    cols: int  # outputs (ADCs) per array
    dac_bits: int  # input code width
    adc_bits: int  # output code width (signed)
    cycles_per_mvm: int  # one input vector through the array and the ADCs
    program_cycles_per_row: int
    energy_pj_per_mac: float
    energy_pj_per_conversion: float  # one ADC conversion (one column of one MVM)
    energy_pj_per_program_byte: float

    # The array modes the compiler may ask of it, in the terms of the digital arrays' modes:
    # 2-bit weight codes (of which only -1, 0, +1 are cells) and int8 input bytes (whose
    # values the DACs clip to dac_bits).
    supported_weight_bits = (2,)
    supported_input_bits = (8,)

    def dac_range(self, signed: bool) -> tuple[int, int]:
        if signed:
            return -(1 << (self.dac_bits - 1)), (1 << (self.dac_bits - 1)) - 1
        return 0, (1 << self.dac_bits) - 1

    def adc_range(self) -> tuple[int, int]:
        return -(1 << (self.adc_bits - 1)), (1 << (self.adc_bits - 1)) - 1


@dataclass(frozen=True)
class AnalogNoise:
    """A run option: Gaussian noise of `sigma` ADC steps (LSB of the ADC's output, referred to
    its input: sigma * 2^adc_shift in units of the column sum) added to every column sum before
    conversion, drawn from `rng` (the host seeds one per run from the user's seed)."""
    sigma: float
    rng: np.random.Generator


def analog_mvm(x, w, lo: int, hi: int, adc_shift: int, adc_lo: int, adc_hi: int, noise=None):
    """[m, k] input codes times [k, n] ternary weights through one array tile: DAC clip, exact
    column sums (+ noise), rounding right shift, ADC clip, shifted back. int64 [m, n]."""
    v = np.clip(np.asarray(x, np.int64), lo, hi)
    s = exact_matmul(v, w)
    if noise is None:
        q = (s + ((1 << adc_shift) >> 1)) >> adc_shift
    else:
        noisy = s + noise.rng.normal(0.0, noise.sigma * (1 << adc_shift), s.shape)
        q = np.floor(noisy / (1 << adc_shift) + 0.5).astype(np.int64)
    return np.clip(q, adc_lo, adc_hi) << adc_shift


class AnalogArray:
    """One core's analog array during execution."""

    def __init__(self, spec: AimcSpec, noise: AnalogNoise | None):
        self.spec, self.noise = spec, noise
        self.weights: np.ndarray | None = None  # float64 [rows, cols] of -1, 0, +1

    def program(self, mem, f: dict) -> None:
        n = f["rows"] * f["cols"]
        blob = mem.view(f["src"], 1, packed_size(n, WEIGHT_BITS), 0, np.uint8).reshape(-1)
        codes = unpack_weights(blob, n, WEIGHT_BITS)
        if (codes == -2).any():
            i = int(np.argmax(codes == -2))
            raise StreamError(f"weight {i} (row {i // f['cols']}, column {i % f['cols']}) is the 2-bit code -2: "
                              f"the analog array's cells hold only -1, 0 and +1")
        self.weights = codes.reshape(f["rows"], f["cols"]).astype(np.float64)

    def mvm(self, mem, f: dict, flags: int) -> None:
        rows, cols = self.weights.shape
        m = f["m"]
        if m == 0:
            return
        x = mem.view(f["in_addr"], m, rows, f["in_stride"], np.int8)
        lo, hi = self.spec.dac_range(bool(flags & SIGNED_INPUT))
        y = analog_mvm(x, self.weights, lo, hi, f["adc_shift"], *self.spec.adc_range(), self.noise)
        if flags & ACCUMULATE:
            y = y + mem.view(f["out_addr"], m, cols, f["out_stride"], np.int32)
        mem.write2d(f["out_addr"], wrap_int32(y), f["out_stride"])


@dataclass
class AimcStatic:
    core: int
    shape: tuple[int, int] | None = None


class AimcUnit(Unit):
    kind = "aimc"
    opcodes = (AIMC_PROGRAM, AIMC_MVM)

    def track(self, cmd):
        return "program: aimc" if cmd.op is AIMC_PROGRAM else "compute: aimc"

    def area_um2(self, spec):  # 2-bit ternary cells, plus a DAC per row and an ADC per column
        return spec.rows * spec.cols * 2 * 0.125 + spec.rows * 20.0 + spec.cols * 60.0 * spec.adc_bits / 8

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = AimcSpec(
            rows=t.integer("rows"), cols=t.integer("cols"),
            dac_bits=t.integer("dac_bits"), adc_bits=t.integer("adc_bits", minimum=2),
            cycles_per_mvm=t.integer("cycles_per_mvm", minimum=0),
            program_cycles_per_row=t.integer("program_cycles_per_row", minimum=0),
            energy_pj_per_mac=t.number("energy_pj_per_mac", allow_zero=True),
            energy_pj_per_conversion=t.number("energy_pj_per_conversion", allow_zero=True),
            energy_pj_per_program_byte=t.number("energy_pj_per_program_byte", allow_zero=True))
        if not 1 <= spec.dac_bits <= 8:  # inputs are int8 codes in memory
            t.fail("dac_bits", f"is {spec.dac_bits}; the inputs are int8 codes, so 1..8")
        if spec.adc_bits > 16:
            t.fail("adc_bits", f"is {spec.adc_bits}; at most 16")
        t.finish()
        return spec

    def new_static(self, spec, core):
        return AimcStatic(core)

    def check(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is AIMC_MVM:
            if state.shape is None:
                return f"runs before any AIMC_PROGRAM on core {state.core}"
            if f["adc_shift"] > MAX_ADC_SHIFT:
                return f"has adc_shift {f['adc_shift']}; at most {MAX_ADC_SHIFT}"
        if cmd.op is AIMC_PROGRAM and not (1 <= f["rows"] <= spec.rows and 1 <= f["cols"] <= spec.cols):
            return f"programs a {f['rows']}x{f['cols']} tile into the {spec.rows}x{spec.cols} analog array"
        return None

    def accesses(self, cmd, state):
        f = cmd.fields
        if cmd.op is AIMC_PROGRAM:
            return [flat("src", False, f["src"], packed_size(f["rows"] * f["cols"], WEIGHT_BITS))]
        return mvm_accesses(f, state.shape, cmd.has(ACCUMULATE))

    def price(self, cmd, spec, state, target):
        f = cmd.fields
        if cmd.op is AIMC_PROGRAM:
            return (f["rows"] * spec.program_cycles_per_row, 0,
                    packed_size(f["rows"] * f["cols"], WEIGHT_BITS) * spec.energy_pj_per_program_byte)
        rows, cols = state.shape
        macs = f["m"] * rows * cols
        return (f["m"] * spec.cycles_per_mvm, macs,
                macs * spec.energy_pj_per_mac + f["m"] * cols * spec.energy_pj_per_conversion)

    def advance(self, cmd, state):
        if cmd.op is AIMC_PROGRAM:
            state.shape = (cmd.fields["rows"], cmd.fields["cols"])

    def new_state(self, spec, options=None):
        return AnalogArray(spec, getattr(options, "analog_noise", None))

    def execute(self, cmd, memory, state):
        if cmd.op is AIMC_PROGRAM:
            state.program(memory, cmd.fields)
        else:
            state.mvm(memory, cmd.fields, cmd.flags)
