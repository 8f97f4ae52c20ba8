"""IMC_MODE: reduced-precision array modes (stream format 1.2).

Fewer input bits: the bit-serial array sees only the low bits of each input and spends fewer
cycles; fewer weight bits: IMC_PROGRAM reads the weights packed (pack_weights' layout, which
these tests pin down byte by byte), and programming is cheaper.
"""
from pathlib import Path

import numpy as np
import pytest

from convc.runtime import Op, Program, Stream, StreamBuilder, StreamError
from convc.runtime.units.imc import pack_weights, unpack_weights
from convc.runtime.target import parse_target

THETIS_TOML = Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml"


def target(**imc_extra):
    import tomllib
    raw = tomllib.loads(THETIS_TOML.read_text())
    raw["cores"][0]["engines"]["imc"].update(imc_extra)
    return parse_target(raw)


LOW_PRECISION = target(supported_weight_bits=[1, 2, 4, 8], supported_input_bits=[1, 2, 4, 8])


def run(tgt, w, x, mode=None, blob=None):
    """Program `w` (packed for the mode, or the raw `blob` given) and multiply `x` by it."""
    l1 = tgt.l1_base(0)
    W, X, Y = l1, l1 + 0x1000, l1 + 0x2000
    rows, cols = w.shape
    b = StreamBuilder("thetis", 1, "mode")
    b.data(W, np.frombuffer(blob if blob is not None else pack_weights(w, mode[0] if mode else 8), np.uint8))
    b.data(X, x.astype(np.int8))
    if mode:
        b.emit(0, Op.IMC_MODE, weight_bits=mode[0], input_bits=mode[1])
    b.emit(0, Op.IMC_PROGRAM, src=W, rows=rows, cols=cols)
    b.emit(0, Op.IMC_MVM, in_addr=X, in_stride=rows, out_addr=Y, out_stride=4 * cols, m=x.shape[0])
    prog = Program(Stream.decode(b.build().encode()), tgt)
    result = prog.run({})
    return prog.memory.read(Y, 4 * x.shape[0] * cols).view("<i4").reshape(x.shape[0], cols), result.counters


def test_four_bit_inputs_are_exact_and_cheaper():
    rng = np.random.default_rng(0)
    w = rng.integers(-8, 8, (64, 16))
    x = rng.integers(-8, 8, (32, 64))  # fits 4 bits
    y8, c8 = run(LOW_PRECISION, w, x)
    y4, c4 = run(LOW_PRECISION, w, x, mode=(4, 4))
    np.testing.assert_array_equal(y4, x @ w)
    np.testing.assert_array_equal(y8, y4)
    assert c4.cycles[0] < c8.cycles[0]


def test_inputs_are_seen_through_their_low_bits():
    w = np.ones((4, 1), np.int64)
    x = np.array([[7, 8, -9, 100]])  # 4-bit two's complement: 7, -8, 7, 4
    y, _ = run(LOW_PRECISION, w, x, mode=(8, 4))
    assert y[0, 0] == 7 - 8 + 7 + 4


def test_packed_layout_is_lsb_first_twos_complement():
    # int4: element 0 in the low nibble. -1 = 0xF, 3 = 0x3, -8 = 0x8, 7 = 0x7.
    assert pack_weights(np.array([-1, 3, -8, 7]), 4) == bytes([0x3F, 0x78])
    # int2: four per byte, element 0 in bits 0-1. 1, -1, 0, -2 -> 01 11 00 10.
    assert pack_weights(np.array([1, -1, 0, -2]), 2) == bytes([0b10_00_11_01])
    # binary: bit 1 is +1, bit 0 is -1; a partial last byte is zero-padded.
    assert pack_weights(np.array([1, -1, -1, 1, 1, 1, -1, -1, 1]), 1) == bytes([0b00111001, 0b1])
    rng = np.random.default_rng(1)
    for bits, (lo, hi) in {8: (-128, 128), 4: (-8, 8), 2: (-2, 2)}.items():
        codes = rng.integers(lo, hi, 37)
        blob = np.frombuffer(pack_weights(codes, bits), np.uint8)
        assert len(blob) == -(-37 * bits // 8)
        np.testing.assert_array_equal(unpack_weights(blob, 37, bits), codes)


def test_program_reads_only_the_packed_bytes():
    # A 4x4 int4 matrix is 8 bytes; the bytes after it (here 0x7F garbage) are never read.
    w = np.arange(-8, 8).reshape(4, 4)
    blob = pack_weights(w, 4) + bytes([0x7F] * 8)
    y, _ = run(LOW_PRECISION, w, np.eye(4, dtype=np.int64), mode=(4, 8), blob=blob)
    np.testing.assert_array_equal(y, w)


def test_binary_weights_are_plus_or_minus_one():
    w = np.array([[1, -1], [-1, 1]])
    y, _ = run(LOW_PRECISION, w, np.array([[3, 5]]), mode=(1, 8))
    np.testing.assert_array_equal(y, [[-2, 2]])


def test_narrow_weights_cost_less_to_program():
    w = np.ones((256, 16), np.int64)
    _, c8 = run(LOW_PRECISION, w, np.ones((1, 256)))
    _, c2 = run(LOW_PRECISION, w, np.ones((1, 256)), mode=(2, 8))
    assert c2.cycles[0] < c8.cycles[0]


def test_thetis_offers_only_int8():
    with pytest.raises(StreamError, match="support \\[8\\]"):
        run(target(), np.ones((2, 2)), np.ones((1, 2)), mode=(4, 8))
