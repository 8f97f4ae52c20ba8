"""The compiled loops (runtime/compiled.py) against numpy formulations of the same arithmetic.

requantize_numpy is the runtime's previous kernel; depthwise_numpy sums one slice of the
zero-padded input per tap (the previous kernel's method, without its bounds bookkeeping). The loops
must give the same bits on random operands and on the extremes (int32 accumulators at their
limits, 31-bit multipliers, shifts 1 and 62, products that wrap modulo 2^64, sums that wrap
int32), on strided (non-contiguous) views as the memories hand them out."""
import numpy as np
import pytest

from convc.runtime import compiled
from convc.runtime.exact import wrap_int32

i64 = np.int64


def requantize_numpy(acc, bias, mult, shift, out_zp, lo, hi):
    y = acc.astype(i64)
    y *= mult
    y += bias * mult + (i64(1) << (shift - 1))
    y >>= shift
    y += out_zp
    np.clip(y, lo, hi, out=y)
    return y.astype(np.int8)


def depthwise_numpy(x, in_zp, w, stride, pad, dil, out_hw):
    """Per tap, one strided slice of the zero-padded input times the tap's weights (int64)."""
    (sh, sw), (top, left), (dh, dw), (oh, ow) = stride, pad, dil, out_hw
    b, h, width, c = x.shape
    kh, kw = w.shape[1:3]
    big = np.zeros((b, h + 2 * (oh * sh + kh * dh), width + 2 * (ow * sw + kw * dw), c), i64)
    y0, x0 = big.shape[1] // 2, big.shape[2] // 2  # room for any padding on either side
    big[:, y0:y0 + h, x0:x0 + width] = x.astype(i64) - in_zp
    acc = np.zeros((b, oh, ow, c), i64)
    for ky in range(kh):
        for kx in range(kw):
            r, q = y0 - top + ky * dh, x0 - left + kx * dw
            acc += big[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw] * w[:, ky:ky + 1, kx:kx + 1].astype(i64)
    return wrap_int32(acc)


@pytest.mark.parametrize("seed", range(4))
def test_requantize_equals_the_numpy_formulation(seed):
    rng = np.random.default_rng(seed)
    b, m, c = 2, 37, 5
    # A strided int32 view, as BatchMemory.view gives: rows 7 elements apart, 5 used.
    store = rng.integers(-2**31, 2**31, (b, m, 7), dtype=np.int64).astype(np.int32)
    acc = store[:, :, 1:1 + c]
    acc[0, 0, :] = [-2**31, 2**31 - 1, 0, -1, 1]
    bias = rng.integers(-2**31, 2**31, (b, 1, c))
    mult = rng.integers(1, 2**31, (b, 1, c))
    shift = rng.integers(1, 63, (b, 1, c))
    shift[0, 0, :2] = [1, 62]
    mult[0, 0, 0] = 2**31 - 1  # with acc's extremes: products that wrap modulo 2^64
    for out_zp, lo, hi in [(0, -128, 127), (-17, -128, 127), (5, -3, 90)]:
        want = requantize_numpy(acc, bias, mult, shift, out_zp, lo, hi)
        got = compiled.requantize(acc, mult[:, 0], bias[:, 0] * mult[:, 0] + (i64(1) << (shift[:, 0] - 1)),
                                  shift[:, 0], out_zp, lo, hi)
        assert np.array_equal(got, want)


@pytest.mark.parametrize("stride,pad,dil,k", [((1, 1), (1, 1), (1, 1), 3), ((2, 2), (0, 1), (1, 1), 3),
                                              ((1, 2), (2, 0), (2, 1), 3), ((1, 1), (0, 0), (1, 1), 1),
                                              ((3, 1), (4, 4), (1, 1), 5)])
def test_depthwise_equals_the_numpy_formulation(stride, pad, dil, k):
    rng = np.random.default_rng(k)
    b, h, width, c = 2, 9, 8, 6
    x = rng.integers(-128, 128, (b, h, width, c)).astype(np.int8)
    w = rng.integers(-128, 128, (b, k, k, c)).astype(np.int8)
    x[0], w[0] = -128, -128  # the largest products, and their sums
    oh = (h + 2 * pad[0] - dil[0] * (k - 1) - 1) // stride[0] + 1
    ow = (width + 2 * pad[1] - dil[1] * (k - 1) - 1) // stride[1] + 1
    for in_zp in (0, 127, -128):
        out = compiled.depthwise(x, in_zp, w, stride, pad, dil, (oh, ow))
        assert np.array_equal(out, depthwise_numpy(x, in_zp, w, stride, pad, dil, (oh, ow)))


def test_depthwise_wraps_int32_like_the_accumulator():
    """A 257x257 window of (-128 - 127) * -128 sums past 2^31: the result wraps, as wrap_int32."""
    x = np.full((1, 257, 257, 1), -128, np.int8)
    w = np.full((1, 257, 257, 1), -128, np.int8)
    out = compiled.depthwise(x, 127, w, (1, 1), (0, 0), (1, 1), (1, 1))
    total = 257 * 257 * (-128 - 127) * -128
    assert total > 2**31 and int(out[0, 0, 0, 0]) == int(wrap_int32(np.array([total], i64))[0])
