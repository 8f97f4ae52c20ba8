"""The analog IMC unit (runtime/units/aimc.py, format 1.9) against hand-computed examples: DAC
clipping of unsigned and signed inputs, the ADC's rounding shift and clip, partial sums of row
tiles added after their own ADC (so the tiling changes the sum), ternary-only cells, seeded
noise, and its price (MVM cycles, MACs, ADC conversions)."""

import tomllib

import numpy as np
import pytest

from convc.runtime import ACCUMULATE, Program, Stream, StreamBuilder, StreamError, validate
from convc.runtime.target import parse_target
from convc.runtime.units.aimc import SIGNED_INPUT
from convc.runtime.units.imc import pack_weights
from convc.runtime.stream import Op

ANALOG = """
name = "analog-test"
clock_mhz = 100
[[cores]]
name = "a"
[cores.engines.aimc]
rows = 4
cols = 2
dac_bits = 7
adc_bits = 6
cycles_per_mvm = 10
program_cycles_per_row = 2
energy_pj_per_mac = 0.01
energy_pj_per_conversion = 1.5
energy_pj_per_program_byte = 0.5
[memory.l1]
base = 0x10000000
stride = 0x01000000
size = 65536
bandwidth_bytes_per_cycle = 16
energy_pj_per_byte = 0.5
[memory.l2]
base = 0x20000000
size = 65536
bandwidth_bytes_per_cycle = 8
latency_cycles = 10
energy_pj_per_byte = 2.0
[memory.dram]
base = 0x80000000
size = 65536
bandwidth_bytes_per_cycle = 4
latency_cycles = 50
energy_pj_per_byte = 20.0
"""
TARGET = parse_target(tomllib.loads(ANALOG))
L1 = 0x10000000
W, X, OUT = L1, L1 + 0x100, L1 + 0x200


def run(weights, x, tiles, adc_shift, flags=0, noise=None):
    """Program each (row0, row1) tile of `weights` and run `x` through it, the tiles after the
    first accumulating; returns the int32 results [m, cols]."""
    b = StreamBuilder(TARGET.name, 1, "aimc-test")
    x = np.asarray(x, np.int8)
    b.data(X, x)
    for i, (r0, r1) in enumerate(tiles):
        blob = np.frombuffer(pack_weights(np.asarray(weights)[r0:r1], 2), np.uint8)
        b.data(W + 0x40 * i, blob)
        b.emit(0, Op.AIMC_PROGRAM, src=W + 0x40 * i, rows=r1 - r0, cols=len(weights[0]))
        b.emit(0, Op.AIMC_MVM, flags | (ACCUMULATE if i else 0), in_addr=X + r0, in_stride=x.shape[1], out_addr=OUT,
               out_stride=4 * len(weights[0]), m=x.shape[0], adc_shift=adc_shift)
    prog = Program(Stream.decode(b.build().encode()), TARGET, analog_noise=noise)
    prog.run({})
    return prog.memory.read(OUT, 4 * x.shape[0] * len(weights[0])).view("<i4").reshape(x.shape[0], -1), prog


def test_one_tile_by_hand():
    """Column sums 30+40+50 = 120 and -30+50+127 = 147; shift 2 rounds to 30 and 37, the 6-bit
    ADC clips 37 to 31, and the digital side shifts back: 120 and 124."""
    w = [[1, -1], [1, 0], [1, 1], [0, 1]]
    out, _ = run(w, [[30, 40, 50, 127]], [(0, 4)], adc_shift=2)
    np.testing.assert_array_equal(out, [[120, 124]])


def test_dac_clips_to_its_unsigned_or_signed_range():
    """Unsigned 7-bit: -70 -> 0 and 127 stays; signed 7-bit: -70 -> -64 and 127 -> 63."""
    w = [[1, 0], [0, 1], [0, 0], [0, 0]]
    out, _ = run(w, [[-70, 127, 0, 0]], [(0, 4)], adc_shift=3)
    np.testing.assert_array_equal(out, [[0, 128]])  # (127 + 4) >> 3 = 16 -> 16 << 3
    out, _ = run(w, [[-70, 127, 0, 0]], [(0, 4)], adc_shift=3, flags=SIGNED_INPUT)
    np.testing.assert_array_equal(out, [[-64, 64]])  # -64 >> 3 = -8; (63 + 4) >> 3 = 8


def test_adc_clipping_per_row_tile_changes_the_sum():
    """Weights 1, 1, -1, -1 and inputs 127 x 4: one 4-row tile sums to 0. Split in two 2-row
    tiles, the first sums to 254 -> 64 after the shift -> 31 (clipped) -> 124, the second to -254
    -> -63 -> -32 (clipped) -> -128: the digital sum is -4, not 0."""
    w = [[1, 0], [1, 0], [-1, 0], [-1, 0]]
    x = [[127, 127, 127, 127]]
    whole, _ = run(w, x, [(0, 4)], adc_shift=2)
    split, _ = run(w, x, [(0, 2), (2, 4)], adc_shift=2)
    assert whole[0, 0] == 0 and split[0, 0] == -4


def test_only_ternary_cells():
    """A 2-bit code of -2 is no cell state: the run fails naming the weight."""
    b = StreamBuilder(TARGET.name, 1, "aimc-test")
    b.data(W, np.frombuffer(pack_weights(np.array([[1, -2], [0, 1]]), 2), np.uint8))
    b.emit(0, Op.AIMC_PROGRAM, src=W, rows=2, cols=2)
    prog = Program(Stream.decode(b.build().encode()), TARGET)
    with pytest.raises(StreamError, match=r"weight 1 \(row 0, column 1\) is the 2-bit code -2"):
        prog.run({})


def test_a_tile_taller_than_the_array_is_rejected():
    b = StreamBuilder(TARGET.name, 1, "aimc-test")
    b.emit(0, Op.AIMC_PROGRAM, src=W, rows=5, cols=2)
    with pytest.raises(StreamError, match=r"programs a 5x2 tile into the 4x2 analog array"):
        validate(Stream.decode(b.build().encode()), TARGET)


def test_noise_is_seeded_and_varies_per_run():
    w = [[1, 1], [1, -1], [1, 1], [1, -1]]
    x = np.full((8, 4), 20, np.int8)
    exact, _ = run(w, x, [(0, 4)], adc_shift=1)
    a, prog_a = run(w, x, [(0, 4)], adc_shift=1, noise=(1.0, 5))
    b, _ = run(w, x, [(0, 4)], adc_shift=1, noise=(1.0, 5))
    c, _ = run(w, x, [(0, 4)], adc_shift=1, noise=(1.0, 6))
    np.testing.assert_array_equal(a, b)  # same seed, same first run
    assert (a != exact).any() and (a != c).any()
    assert np.abs(a - exact).max() <= 2 * 8  # a few ADC steps (2 sum units each) at sigma 1
    prog_a.run({})  # the second run of a program draws other noise
    again = prog_a.memory.read(OUT, 64).view("<i4").reshape(8, 2)
    assert (again != a).any()


def test_price_counts_cycles_macs_and_conversions():
    w = [[1, 0], [0, 1], [1, 1], [0, 0]]
    _, prog = run(w, np.ones((3, 4), np.int8), [(0, 4)], adc_shift=0)
    program, mvm = [s for s in prog.plan.steps[0] if s.cmd.op in (Op.AIMC_PROGRAM, Op.AIMC_MVM)]
    assert (program.cycles, program.macs) == (4 * 2, 0)
    assert (mvm.cycles, mvm.macs) == (3 * 10, 3 * 4 * 2)
    # 24 MACs at 0.01 pJ and 3 vectors x 2 columns of conversions at 1.5 pJ, plus the bytes moved
    assert mvm.energy_pj >= 24 * 0.01 + 6 * 1.5
