"""IMC engine: a tiled GEMM and an IM2COL convolution, against independent numpy references."""
from pathlib import Path

import numpy as np

from convc.runtime import (ACCUMULATE, Op, Program, Stream, StreamBuilder, load_target,
                           requant_params)

THETIS = load_target(Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml")
L1, DRAM = THETIS.l1_base(0), THETIS.dram.base


def program(b: StreamBuilder) -> Program:
    # Always go through the bytes, so the codec is part of every engine test.
    return Program(Stream.decode(b.build().encode()), THETIS)


def test_gemm_k700_n600_tiled_with_accumulate_and_requant():
    rng = np.random.default_rng(1)
    M, K, N = 5, 700, 600
    x = rng.integers(-128, 128, (M, K), dtype=np.int8)
    w = rng.integers(-128, 128, (K, N), dtype=np.int8)
    bias = rng.integers(-(1 << 20), 1 << 20, N)
    mult = rng.integers(1 << 14, 1 << 15, N)
    shift = rng.integers(24, 27, N)
    out_zp = 3

    X_IN, W_D, P_D, Y_OUT = DRAM, DRAM + 0x10000, DRAM + 0x100000, DRAM + 0x200000
    X, WT, ACC, P, Y = L1, L1 + 0x10000, L1 + 0x60000, L1 + 0x70000, L1 + 0x80000
    b = StreamBuilder("thetis", 1, "gemm")
    b.input("x", (M, K), X_IN, 1.0, 0)
    b.output("y", (M, N), Y_OUT, 1.0, 0)
    b.data(W_D, w)
    b.data(P_D, requant_params(bias, mult, shift))
    b.emit(0, Op.DMA, src=X_IN, dst=X, rows=1, row_bytes=M * K, src_stride=0, dst_stride=0)
    b.emit(0, Op.DMA, src=P_D, dst=P, rows=1, row_bytes=12 * N, src_stride=0, dst_stride=0)
    for n0, nt in ((0, 512), (512, N - 512)):  # two column tiles
        for k0, kt in ((0, 512), (512, K - 512)):  # two row tiles, the second accumulates
            b.emit(0, Op.DMA, src=W_D + k0 * N + n0, dst=WT, rows=kt, row_bytes=nt,
                   src_stride=N, dst_stride=nt)
            b.emit(0, Op.IMC_PROGRAM, src=WT, rows=kt, cols=nt)
            b.emit(0, Op.IMC_MVM, ACCUMULATE if k0 else 0, in_addr=X + k0, in_stride=K,
                   out_addr=ACC + 4 * n0, out_stride=4 * N, m=M)
    b.emit(0, Op.DPU_REQUANT, in_addr=ACC, in_stride=4 * N, out_addr=Y, out_stride=N, m=M,
           c=N, params_addr=P, out_zp=out_zp, clamp_min=-128, clamp_max=127)
    b.emit(0, Op.DMA, src=Y, dst=Y_OUT, rows=M, row_bytes=N, src_stride=N, dst_stride=N)
    prog = program(b)
    result = prog.run({"x": x.astype(np.float32)})

    acc = x.astype(np.int64) @ w.astype(np.int64)
    got_acc = prog.memory.read(ACC, 4 * M * N).view("<i4").reshape(M, N)
    np.testing.assert_array_equal(got_acc, acc)
    ref = np.empty((M, N), np.int64)
    for i in range(M):
        for j in range(N):
            v = (int(acc[i, j]) + int(bias[j])) * int(mult[j])
            ref[i, j] = min(127, max(-128, out_zp + ((v + (1 << (int(shift[j]) - 1)))
                                                     >> int(shift[j]))))
    assert len(np.unique(ref)) > 50  # the test data exercises the whole int8 range
    np.testing.assert_array_equal(result.outputs_int8["y"], ref)
    assert result.counters.macs == M * K * N
    assert result.counters.cycles[0] > 0 and result.counters.total_cycles == \
        result.counters.cycles[0]


def test_accumulate_wraps_like_32_bit_hardware():
    b = StreamBuilder("thetis", 1, "wrap")
    b.data(L1, np.full((1, 512), -128, np.int8))  # matrix and input vector
    b.data(L1 + 1024, np.array([2**31 - 100], "<i4"))
    b.emit(0, Op.IMC_PROGRAM, src=L1, rows=512, cols=1)
    b.emit(0, Op.IMC_MVM, ACCUMULATE, in_addr=L1, in_stride=0, out_addr=L1 + 1024,
           out_stride=4, m=1)
    prog = program(b)
    prog.run({})
    expected = (2**31 - 100 + 512 * 128 * 128 + 2**31) % 2**32 - 2**31
    assert prog.memory.read(L1 + 1024, 4).view("<i4")[0] == expected


def conv_reference(x, w, sh, sw, pt, pl, dh, dw, out_h, out_w, pad_value):
    h, wd, c = x.shape
    kh, kw, _, co = w.shape
    out = np.zeros((out_h, out_w, co), np.int64)
    for oy in range(out_h):
        for ox in range(out_w):
            for ky in range(kh):
                for kx in range(kw):
                    iy, ix = oy * sh - pt + ky * dh, ox * sw - pl + kx * dw
                    v = x[iy, ix] if 0 <= iy < h and 0 <= ix < wd else np.full(c, pad_value)
                    out[oy, ox] += v.astype(np.int64) @ w[ky, kx].astype(np.int64)
    return out


def test_im2col_conv_stride2_padding_dilation():
    rng = np.random.default_rng(2)
    h, w, c, co, kh, kw = 9, 11, 3, 8, 3, 3
    sh, sw, pt, pl, dh, dw = 2, 2, 1, 2, 2, 1
    out_h, out_w = (h + 2 * pt - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pl - dw * (kw - 1) - 1) // sw + 1
    pad_value = -3
    x = rng.integers(-128, 128, (h, w, c), dtype=np.int8)
    wts = rng.integers(-128, 128, (kh, kw, c, co), dtype=np.int8)
    K, P = kh * kw * c, out_h * out_w
    IN, W, PATCH, OUT = L1, L1 + 0x1000, L1 + 0x2000, L1 + 0x8000
    b = StreamBuilder("thetis", 1, "conv")
    b.data(IN, x)
    b.data(W, wts.reshape(K, co))
    geometry = dict(in_addr=IN, h=h, w=w, c=c, kh=kh, kw=kw, stride_h=sh, stride_w=sw,
                    pad_top=pt, pad_left=pl, dil_h=dh, dil_w=dw, pad_value=pad_value,
                    out_h=out_h, out_w=out_w)
    split = 15  # two IM2COL chunks to exercise row_start
    b.emit(0, Op.DPU_IM2COL, out_addr=PATCH, row_start=0, n_rows=split, **geometry)
    b.emit(0, Op.DPU_IM2COL, out_addr=PATCH + split * K, row_start=split, n_rows=P - split,
           **geometry)
    b.emit(0, Op.IMC_PROGRAM, src=W, rows=K, cols=co)
    b.emit(0, Op.IMC_MVM, in_addr=PATCH, in_stride=K, out_addr=OUT, out_stride=4 * co, m=P)
    prog = program(b)
    prog.run({})

    patches = prog.memory.read(PATCH, P * K).view(np.int8).reshape(out_h, out_w, kh, kw, c)
    for oy, ox, ky, kx in np.ndindex(out_h, out_w, kh, kw):
        iy, ix = oy * sh - pt + ky * dh, ox * sw - pl + kx * dw
        want = x[iy, ix] if 0 <= iy < h and 0 <= ix < w else [pad_value] * c
        np.testing.assert_array_equal(patches[oy, ox, ky, kx], want)
    got = prog.memory.read(OUT, 4 * P * co).view("<i4").reshape(out_h, out_w, co)
    ref = conv_reference(x, wts, sh, sw, pt, pl, dh, dw, out_h, out_w, pad_value)
    np.testing.assert_array_equal(got, ref)
