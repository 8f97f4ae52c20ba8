"""DPU commands and DMA, each against a plain Python reference written here."""
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from convc.runtime import (COUNT_INCLUDE_PAD, Op, Program, Stream, StreamBuilder, load_target,
                           requant_params)

THETIS = load_target(Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml")
L1, L2, DRAM = THETIS.l1_base(0), THETIS.l2.base, THETIS.dram.base
A, B, OUT, PARAMS = L1, L1 + 0x1000, L1 + 0x2000, L1 + 0x3000
rng = np.random.default_rng(3)


def run(data: dict, *commands) -> Program:
    """Load `data` {addr: array}, run (op, flags, fields) commands on core 0."""
    b = StreamBuilder("thetis", 1, "dpu-test")
    for addr, values in data.items():
        b.data(addr, values)
    for op, flags, fields in commands:
        b.emit(0, op, flags, **fields)
    prog = Program(Stream.decode(b.build().encode()), THETIS)
    prog.run({})
    return prog


def read(prog, addr, shape, dtype=np.int8):
    n = math.prod(shape) * np.dtype(dtype).itemsize
    return prog.memory.read(addr, n).view(dtype).reshape(shape)


def rsr(v: int, s: int) -> int:
    return (v + (1 << (s - 1))) >> s  # Python's >> on ints is an arithmetic shift


def clamp(v, lo=-128, hi=127):
    return min(hi, max(lo, v))


def i8(*shape):
    return rng.integers(-128, 128, shape, dtype=np.int8)


def test_rescale_rounds_ties_towards_plus_infinity():
    x = np.array([-3, 3, -1, 1, -2, 100], np.int8)
    f = dict(in_addr=A, out_addr=OUT, n=6, in_zp=0, mult=1, shift=1, out_zp=0, clamp_min=-128,
             clamp_max=127)
    prog = run({A: x}, (Op.DPU_RESCALE, 0, f))
    assert read(prog, OUT, (6,)).tolist() == [-1, 2, 0, 1, -1, 50]


def test_rescale_random():
    x = i8(100)
    f = dict(in_addr=A, out_addr=OUT, n=100, in_zp=-7, mult=23456, shift=14, out_zp=4,
             clamp_min=-100, clamp_max=110)
    prog = run({A: x}, (Op.DPU_RESCALE, 0, f))
    ref = [clamp(4 + rsr((int(v) + 7) * 23456, 14), -100, 110) for v in x]
    assert read(prog, OUT, (100,)).tolist() == ref


def test_requant_strided_per_channel():
    m, c = 6, 5
    in_stride, out_stride = 4 * c + 8, c + 3
    acc = rng.integers(-(1 << 24), 1 << 24, (m, in_stride // 4)).astype("<i4")
    bias = rng.integers(-1000, 1000, c)
    mult = rng.integers(1 << 10, 1 << 20, c)
    shift = np.array([1, 10, 20, 30, 40])
    f = dict(in_addr=A, in_stride=in_stride, out_addr=OUT, out_stride=out_stride, m=m, c=c,
             params_addr=PARAMS, out_zp=-9, clamp_min=-128, clamp_max=127)
    prog = run({A: acc, PARAMS: requant_params(bias, mult, shift), OUT: np.full(64, 55, np.int8)},
               (Op.DPU_REQUANT, 0, f))
    got = read(prog, OUT, (m * out_stride,)).reshape(m, out_stride)
    for i in range(m):
        for j in range(c):
            v = (int(acc[i, j]) + int(bias[j])) * int(mult[j])
            assert got[i, j] == clamp(-9 + rsr(v, int(shift[j])))
        assert (got[i, c:] == 55).all()  # the gaps between output rows are untouched


@pytest.mark.parametrize("op", [Op.DPU_ADD, Op.DPU_MUL])
def test_add_mul_with_broadcast(op):
    n, b_len = 24, 4
    a, b = i8(n), i8(b_len)
    common = dict(a_addr=A, b_addr=B, out_addr=OUT, n=n, b_len=b_len, a_zp=-5, b_zp=7,
                  out_zp=-2, clamp_min=-100, clamp_max=90)
    if op is Op.DPU_ADD:
        f = dict(common, a_mult=12345, b_mult=-6789, shift=14)
        ref = [clamp(-2 + rsr((int(a[i]) + 5) * 12345 + (int(b[i % b_len]) - 7) * -6789, 14),
                     -100, 90) for i in range(n)]
    else:
        f = dict(common, mult=3210, shift=16)
        ref = [clamp(-2 + rsr((int(a[i]) + 5) * (int(b[i % b_len]) - 7) * 3210, 16), -100, 90)
               for i in range(n)]
    prog = run({A: a, B: b}, (op, 0, f))
    assert read(prog, OUT, (n,)).tolist() == ref


POOL = dict(h=7, w=6, c=3, kh=3, kw=2, stride_h=2, stride_w=2, pad_top=1, pad_left=1,
            out_h=4, out_w=3)


def windows(g):
    """For each output pixel, the list of valid (iy, ix) positions of its window."""
    for oy in range(g["out_h"]):
        for ox in range(g["out_w"]):
            yield oy, ox, [(iy, ix) for iy in range(oy * g["stride_h"] - g["pad_top"],
                                                   oy * g["stride_h"] - g["pad_top"] + g["kh"])
                           for ix in range(ox * g["stride_w"] - g["pad_left"],
                                           ox * g["stride_w"] - g["pad_left"] + g["kw"])
                           if 0 <= iy < g["h"] and 0 <= ix < g["w"]]


def test_maxpool_ignores_padding():
    x = i8(POOL["h"], POOL["w"], POOL["c"]) // 2 - 64  # all negative: zero padding would win
    prog = run({A: x}, (Op.DPU_MAXPOOL, 0, dict(POOL, in_addr=A, out_addr=OUT)))
    got = read(prog, OUT, (POOL["out_h"], POOL["out_w"], POOL["c"]))
    for oy, ox, taps in windows(POOL):
        want = np.max([x[iy, ix] for iy, ix in taps], axis=0)
        np.testing.assert_array_equal(got[oy, ox], want)


def div_round_ref(a: int, b: int) -> int:
    q = Fraction(a, b)
    r = math.floor(abs(q) + Fraction(1, 2))
    return r if q >= 0 else -r


@pytest.mark.parametrize("flags", [0, COUNT_INCLUDE_PAD])
def test_avgpool(flags):
    x = i8(POOL["h"], POOL["w"], POOL["c"])
    f = dict(POOL, in_addr=A, out_addr=OUT, in_zp=-4, mult=3000, shift=11, out_zp=6,
             clamp_min=-128, clamp_max=127)
    prog = run({A: x}, (Op.DPU_AVGPOOL, flags, f))
    got = read(prog, OUT, (POOL["out_h"], POOL["out_w"], POOL["c"]))
    for oy, ox, taps in windows(POOL):
        cnt = POOL["kh"] * POOL["kw"] if flags else len(taps)
        for ch in range(POOL["c"]):
            s = sum(int(x[iy, ix, ch]) + 4 for iy, ix in taps)
            assert got[oy, ox, ch] == clamp(6 + div_round_ref(s * 3000, cnt << 11))


def test_avgpool_rounds_half_away_from_zero():
    g = dict(h=1, w=2, c=1, kh=1, kw=2, stride_h=1, stride_w=1, pad_top=0, pad_left=0,
             out_h=1, out_w=1, in_zp=0, mult=1, shift=0, out_zp=0, clamp_min=-128, clamp_max=127)
    neg = run({A: np.array([-1, -2], np.int8)}, (Op.DPU_AVGPOOL, 0, dict(g, in_addr=A,
                                                                          out_addr=OUT)))
    pos = run({A: np.array([1, 2], np.int8)}, (Op.DPU_AVGPOOL, 0, dict(g, in_addr=A,
                                                                        out_addr=OUT)))
    assert read(neg, OUT, (1,))[0] == -2 and read(pos, OUT, (1,))[0] == 2


def test_dwconv_stride_padding_dilation():
    g = dict(h=6, w=7, c=4, kh=3, kw=3, stride_h=1, stride_w=2, pad_top=1, pad_left=1,
             dil_h=2, dil_w=1, out_h=4, out_w=4)
    x, wts = i8(g["h"], g["w"], g["c"]), i8(g["kh"], g["kw"], g["c"])
    prog = run({A: x, B: wts}, (Op.DPU_DWCONV, 0, dict(g, in_addr=A, w_addr=B, out_addr=OUT,
                                                        in_zp=5)))
    got = read(prog, OUT, (g["out_h"], g["out_w"], g["c"]), "<i4")
    for oy, ox, ch in np.ndindex(g["out_h"], g["out_w"], g["c"]):
        total = 0
        for ky, kx in np.ndindex(g["kh"], g["kw"]):
            iy = oy * g["stride_h"] - g["pad_top"] + ky * g["dil_h"]
            ix = ox * g["stride_w"] - g["pad_left"] + kx * g["dil_w"]
            if 0 <= iy < g["h"] and 0 <= ix < g["w"]:
                total += (int(x[iy, ix, ch]) - 5) * int(wts[ky, kx, ch])
        assert got[oy, ox, ch] == total


@pytest.mark.parametrize("dims, perm", [((2, 3, 4, 5), (0, 2, 3, 1)), ((6, 7), (1, 0)),
                                        ((3, 4, 5), (2, 0, 1)), ((9,), (0,))])
def test_transpose(dims, perm):
    x = i8(*dims)
    d = list(dims) + [1] * (4 - len(dims))
    p = list(perm) + list(range(len(perm), 4))
    f = dict(in_addr=A, out_addr=OUT, rank=len(dims), **{f"d{i}": d[i] for i in range(4)},
             **{f"p{i}": p[i] for i in range(4)})
    prog = run({A: x}, (Op.DPU_TRANSPOSE, 0, f))
    out_shape = tuple(dims[i] for i in perm)
    got = read(prog, OUT, out_shape)
    for index in np.ndindex(*dims):
        assert got[tuple(index[i] for i in perm)] == x[index]


def test_dma_2d_between_levels():
    src = i8(5, 10)
    f = dict(src=DRAM + 3, dst=L1 + 100, rows=5, row_bytes=6, src_stride=10, dst_stride=8)
    prog = run({DRAM: np.concatenate([i8(3), src.ravel()])},
               (Op.DMA, 0, f),
               (Op.DMA, 0, dict(src=L1 + 100, dst=L2 + 1, rows=5, row_bytes=6, src_stride=8,
                                dst_stride=6)))
    got = read(prog, L1 + 100, (5 * 8,)).reshape(5, 8)
    np.testing.assert_array_equal(got[:, :6], src[:, :6])
    assert (got[:, 6:] == 0).all()
    np.testing.assert_array_equal(read(prog, L2 + 1, (30,)).reshape(5, 6), src[:, :6])


def test_dma_overlapping_rows_copy_in_order():
    x = np.arange(1, 17, dtype=np.int8)
    # Each row copies the row just written: the first row propagates (sequential semantics).
    prog = run({A: x}, (Op.DMA, 0, dict(src=A, dst=A + 4, rows=3, row_bytes=4, src_stride=4,
                                        dst_stride=4)))
    assert read(prog, A, (16,)).tolist() == [1, 2, 3, 4] * 4
    # A single overlapping row behaves like memmove.
    prog = run({A: x}, (Op.DMA, 0, dict(src=A, dst=A + 1, rows=1, row_bytes=8, src_stride=0,
                                        dst_stride=0)))
    assert read(prog, A, (10,)).tolist() == [1, 1, 2, 3, 4, 5, 6, 7, 8, 10]
