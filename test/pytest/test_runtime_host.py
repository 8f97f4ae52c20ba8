"""The host unit (runtime/units/host.py): HOST_* kernels are bit-identical to the DPU and the
IMC array, priced per element, and only run on cores that declare a host engine."""
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from convc.runtime import (ACCUMULATE, COUNT_INCLUDE_PAD, RESIZE_BILINEAR, Op, Program, Stream, StreamBuilder,
                           StreamError, requant_params, validate)
from convc.runtime.target import parse_target
from convc.runtime.units.vector import VECTOR_OP_NAMES

THETIS_TOML = Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml"
HOST_GROUP = """
[[cores]]
name = "host"
l1_size = 262144
[cores.engines.host]
cycles_per_element = 4
energy_pj_per_element = 1.0
"""
# thetis plus a fifth core, a host: the same stream can run a layer on core 0's IMC and DPU
# and on core 4's host.
TARGET = parse_target(tomllib.loads(THETIS_TOML.read_text() + HOST_GROUP))
DPU_CORE, HOST_CORE = 0, 4
rng = np.random.default_rng(7)


def offsets(core: int) -> dict:
    base = TARGET.l1_base(core)
    return dict(IN=base, IN2=base + 0x1000, PAR=base + 0x2000, OUT=base + 0x3000, TAB=base + 0x4000, LNP=base + 0x6000,
                W=base + 0x8000, ACC=base + 0x10000, PATCH=base + 0x20000)


POOL = dict(h=7, w=6, c=3, kh=3, kw=2, stride_h=2, stride_w=2, pad_top=1, pad_left=1, out_h=4,
            out_w=3)
RESULT = dict(out_zp=-2, clamp_min=-110, clamp_max=120)


def example(name: str, a: dict) -> dict:
    """Valid fields of vector op `name` for the buffers `a` (offsets of one core)."""
    return {
        "im2col": dict(in_addr=a["IN"], h=5, w=6, c=3, kh=3, kw=2, stride_h=2, stride_w=1,
                       pad_top=1, pad_left=1, dil_h=1, dil_w=2, pad_value=-7, out_addr=a["OUT"],
                       row_start=2, n_rows=7, out_h=3, out_w=4),
        "requant": dict(in_addr=a["IN"], in_stride=24, out_addr=a["OUT"], out_stride=6, m=4, c=5,
                        params_addr=a["PAR"], **RESULT),
        "add": dict(a_addr=a["IN"], b_addr=a["IN2"], out_addr=a["OUT"], n=40, b_len=8, a_zp=-5,
                    a_mult=12345, b_zp=7, b_mult=-6789, shift=14, **RESULT),
        "mul": dict(a_addr=a["IN"], b_addr=a["IN2"], out_addr=a["OUT"], n=40, b_len=8, a_zp=-5,
                    b_zp=7, mult=3210, shift=16, **RESULT),
        "maxpool": dict(POOL, in_addr=a["IN"], out_addr=a["OUT"]),
        "avgpool": dict(POOL, in_addr=a["IN"], out_addr=a["OUT"], in_zp=-4, mult=3000, shift=11,
                        **RESULT),
        "dwconv": dict(in_addr=a["IN"], h=6, w=7, c=4, kh=3, kw=3, stride_h=1, stride_w=2,
                       pad_top=1, pad_left=1, dil_h=2, dil_w=1, out_h=4, out_w=4, in_zp=5,
                       w_addr=a["IN2"], out_addr=a["OUT"]),
        "transpose": dict(in_addr=a["IN"], out_addr=a["OUT"], rank=3, d0=3, d1=4, d2=5, d3=1,
                          p0=2, p1=0, p2=1, p3=3),
        "rescale": dict(in_addr=a["IN"], out_addr=a["OUT"], n=50, in_zp=-7, mult=23456,
                        shift=14, **RESULT),
        "lut": dict(in_addr=a["IN"], table_addr=a["IN2"], out_addr=a["OUT"], n=60),
        # bilinear 2x of a 3x4x5 map with the half_pixel offset (the flag is set by the caller)
        "resize": dict(in_addr=a["IN"], h=3, w=4, c=5, out_h=6, out_w=8, scale_y_n=4, scale_y_d=2,
                       scale_x_n=4, scale_x_d=2, offset_y=-1, offset_x=-1, out_addr=a["OUT"], in_zp=3,
                       mult=1 << 27, shift=31, **RESULT),
        # 4 rows of 15 codes; the table (int32 entries in [0, 2^16]) is written by the test
        "softmax": dict(in_addr=a["IN"], table_addr=a["TAB"], out_addr=a["OUT"], rows=4, len=15,
                        mult=255 << 22, shift=22, **RESULT),
        # 3 rows of 12 codes; eps, gains and offsets (LNP) are written by the test
        "layernorm": dict(in_addr=a["IN"], params_addr=a["LNP"], out_addr=a["OUT"], rows=3, len=12, in_zp=-3,
                          shift=12, sqrt_shift=8, **RESULT),
        # 3 rows of 11 codes; the exponential and logarithm tables (TAB) are written by the test
        "log_softmax": dict(in_addr=a["IN"], table_addr=a["TAB"], out_addr=a["OUT"], rows=3, len=11, step=3277,
                            mult=1 << 30, shift=42, **RESULT),
        "batch_matmul": dict(a_addr=a["IN"], b_addr=a["IN2"], out_addr=a["OUT"], batch=2, m=3, k=7, n=5,
                             a_zp=-4, b_zp=6, mult=1 << 20, shift=30, **RESULT),
    }[name]


def run_on_both(emit_dpu, emit_host, data: dict) -> Program:
    """Load `data` {offset name: array} into cores 0 and 4, emit each core's commands."""
    b = StreamBuilder(TARGET.name, 5, "host-test")
    for core, emit in ((DPU_CORE, emit_dpu), (HOST_CORE, emit_host)):
        a = offsets(core)
        for key, values in data.items():
            b.data(a[key], values)
        emit(b, core, a)
    prog = Program(Stream.decode(b.build().encode()), TARGET)
    prog.run({})
    return prog


def same_bytes(prog, key: str, nbytes: int) -> np.ndarray:
    dpu = prog.memory.read(offsets(DPU_CORE)[key], nbytes)
    host = prog.memory.read(offsets(HOST_CORE)[key], nbytes)
    np.testing.assert_array_equal(host, dpu)
    return dpu


@pytest.mark.parametrize("name, flags", [(n, 0) for n in VECTOR_OP_NAMES]
                         + [("avgpool", COUNT_INCLUDE_PAD), ("resize", RESIZE_BILINEAR)])
def test_every_host_vector_op_matches_the_dpu(name, flags):
    data = {"IN": rng.integers(-128, 128, 0x1000, dtype=np.int8),
            "IN2": rng.integers(-128, 128, 0x1000, dtype=np.int8),
            "PAR": requant_params(rng.integers(-1000, 1000, 5), rng.integers(1 << 10, 1 << 20, 5),
                                  [20, 25, 30, 35, 40]),
            # softmax: the exponential; log-softmax: the exponential, then ln(1 + (f + 1/2) / 256)
            "TAB": np.rint(65536 * np.concatenate([np.exp(-0.05 * np.arange(256)),
                                                   np.log1p((np.arange(256) + 0.5) / 256)])).astype("<i4"),
            "LNP": np.frombuffer(np.int64(5000).astype("<i8").tobytes()
                                 + rng.integers(1 << 12, 1 << 16, 12).astype("<i4").tobytes()
                                 + rng.integers(-1 << 14, 1 << 14, 12).astype("<i4").tobytes(), np.uint8)}
    dpu_op, host_op = getattr(Op, "DPU_" + name.upper()), getattr(Op, "HOST_" + name.upper())
    assert (dpu_op.fields, dpu_op.signed, dict(dpu_op.flag_names)) == (
        host_op.fields, host_op.signed, dict(host_op.flag_names))
    prog = run_on_both(lambda b, core, a: b.emit(core, dpu_op, flags, **example(name, a)),
                       lambda b, core, a: b.emit(core, host_op, flags, **example(name, a)), data)
    out = same_bytes(prog, "OUT", 0x1000)
    assert np.count_nonzero(out) >= 15  # the op really wrote something (REQUANT: 20 bytes)


def test_conv_on_the_host_matches_the_imc_array():
    """IM2COL + IMC_PROGRAM + IMC_MVM + REQUANT on core 0 and IM2COL + MATMUL + REQUANT on the
    host give the same accumulators and outputs; the host's matmul splits K in two
    (ACCUMULATE) where the array takes it in one tile."""
    h, w, c, co, kh, kw = 8, 9, 6, 10, 3, 3
    out_h, out_w = h, w  # stride 1, padding 1
    k, pixels = kh * kw * c, out_h * out_w
    x = rng.integers(-128, 128, (h, w, c), dtype=np.int8)
    wts = rng.integers(-128, 128, (k, co), dtype=np.int8)
    params = requant_params(rng.integers(-5000, 5000, co), rng.integers(1 << 14, 1 << 15, co),
                            rng.integers(22, 24, co))
    geometry = dict(h=h, w=w, c=c, kh=kh, kw=kw, stride_h=1, stride_w=1, pad_top=1,
                    pad_left=1, dil_h=1, dil_w=1, pad_value=-3, row_start=0, n_rows=pixels,
                    out_h=out_h, out_w=out_w)

    def requant(b, core, a, op):
        b.emit(core, op, in_addr=a["ACC"], in_stride=4 * co, out_addr=a["OUT"], out_stride=co,
               m=pixels, c=co, params_addr=a["PAR"], out_zp=4, clamp_min=-128, clamp_max=127)

    def on_imc(b, core, a):
        b.emit(core, Op.DPU_IM2COL, in_addr=a["IN"], out_addr=a["PATCH"], **geometry)
        b.emit(core, Op.IMC_PROGRAM, src=a["W"], rows=k, cols=co)
        b.emit(core, Op.IMC_MVM, in_addr=a["PATCH"], in_stride=k, out_addr=a["ACC"],
               out_stride=4 * co, m=pixels)
        requant(b, core, a, Op.DPU_REQUANT)

    def on_host(b, core, a):
        b.emit(core, Op.HOST_IM2COL, in_addr=a["IN"], out_addr=a["PATCH"], **geometry)
        half = k // 2
        for k0, k1 in ((0, half), (half, k)):
            b.emit(core, Op.HOST_MATMUL, ACCUMULATE if k0 else 0, in_addr=a["PATCH"] + k0,
                   in_stride=k, w_addr=a["W"] + k0 * co, out_addr=a["ACC"], out_stride=4 * co,
                   m=pixels, k=k1 - k0, n=co)
        requant(b, core, a, Op.HOST_REQUANT)

    prog = run_on_both(on_imc, on_host, {"IN": x, "W": wts, "PAR": params})
    acc = same_bytes(prog, "ACC", 4 * pixels * co).view("<i4").reshape(pixels, co)
    padded = np.pad(x.astype(np.int64), ((1, 1), (1, 1), (0, 0)), constant_values=-3)
    patches = np.stack([padded[oy:oy + kh, ox:ox + kw].reshape(-1)
                        for oy in range(out_h) for ox in range(out_w)])
    np.testing.assert_array_equal(acc, patches @ wts.astype(np.int64))
    out = same_bytes(prog, "OUT", pixels * co)
    assert len(np.unique(out)) > 50


def test_matmul_accumulates_and_wraps_like_32_bit_registers():
    b = StreamBuilder(TARGET.name, 5, "wrap")
    a = offsets(HOST_CORE)
    b.data(a["IN"], np.full((2, 512), -128, np.int8))
    b.data(a["W"], np.full((512, 1), -128, np.int8))
    b.data(a["ACC"], np.array([2**31 - 100, 5], "<i4"))
    b.emit(HOST_CORE, Op.HOST_MATMUL, ACCUMULATE, in_addr=a["IN"], in_stride=512, w_addr=a["W"],
           out_addr=a["ACC"], out_stride=4, m=2, k=512, n=1)
    prog = Program(Stream.decode(b.build().encode()), TARGET)
    prog.run({})
    wrap = lambda v: (v + 2**31) % 2**32 - 2**31  # noqa: E731
    assert prog.memory.read(a["ACC"], 8).view("<i4").tolist() == [
        wrap(2**31 - 100 + 512 * 128 * 128), wrap(5 + 512 * 128 * 128)]


def test_host_prices_every_element_of_work():
    b = StreamBuilder(TARGET.name, 5, "price")
    a = offsets(HOST_CORE)
    b.emit(HOST_CORE, Op.HOST_MATMUL, in_addr=a["IN"], in_stride=5, w_addr=a["W"],
           out_addr=a["ACC"], out_stride=28, m=3, k=5, n=7)
    b.emit(HOST_CORE, Op.HOST_ADD, **example("add", a))
    b.emit(HOST_CORE, Op.HOST_MAXPOOL, **example("maxpool", a))
    b.emit(DPU_CORE, Op.DPU_MAXPOOL, **example("maxpool", offsets(DPU_CORE)))
    plan = validate(b.build(), TARGET)
    matmul, add, pool = plan.steps[HOST_CORE]
    assert (matmul.cycles, matmul.macs, matmul.bytes) == (3 * 5 * 7 * 4, 105, (15 + 35 + 84, 0, 0))
    assert matmul.energy_pj == pytest.approx(105 * 1.0 + 134 * 0.5)
    assert (add.cycles, add.macs) == (40 * 4, 0)
    assert add.energy_pj == pytest.approx(40 * 1.0 + (40 + 8 + 40) * 0.5)
    work = 4 * 3 * 3 * 3 * 2  # out_h * out_w * c * kh * kw, as on the DPU
    assert pool.cycles == work * 4 and plan.steps[DPU_CORE][0].cycles == math.ceil(work / 64)
    assert pool.bytes == plan.steps[DPU_CORE][0].bytes


def test_only_cores_with_a_host_engine_run_host_commands():
    def rejected(core, op, a, match):
        b = StreamBuilder(TARGET.name, 5, "where")
        b.emit(core, op, **example("rescale", a))
        with pytest.raises(StreamError, match=match) as info:
            validate(Stream.decode(b.build().encode()), TARGET)
        assert "\n" not in str(info.value)

    rejected(DPU_CORE, Op.HOST_RESCALE, offsets(DPU_CORE), r"^stream\.bin: command 0 of core 0 "
             r"\(HOST_RESCALE\): core 0 \(group 'imc'\) has no host engine$")
    rejected(HOST_CORE, Op.DPU_RESCALE, offsets(HOST_CORE),
             r"command 0 of core 4 \(DPU_RESCALE\): core 4 \(group 'host'\) has no dpu engine")
    # The host's L1 is its own 256 KiB, not the default 4 MiB.
    far = dict(offsets(HOST_CORE), OUT=TARGET.l1_base(HOST_CORE) + (256 << 10) - 10)
    rejected(HOST_CORE, Op.HOST_RESCALE, far, r"writes 0x1403fff6..0x14040028 \(out_addr\) "
                                              r"outside the memory map")


def test_a_host_pays_for_its_software_divisions():
    """host.cycles_per_division: each 64-bit division (one per softmax element; one per layer
    norm element and one square root per row) costs that much beyond the element price."""
    target = parse_target(tomllib.loads(THETIS_TOML.read_text() + HOST_GROUP.replace(
        "cycles_per_element = 4", "cycles_per_element = 4\ncycles_per_division = 40")))
    b = StreamBuilder(target.name, 5, "divisions")
    a = offsets(HOST_CORE)
    b.emit(HOST_CORE, Op.HOST_SOFTMAX, **example("softmax", a))
    b.emit(HOST_CORE, Op.HOST_LAYERNORM, **example("layernorm", a))
    b.emit(HOST_CORE, Op.HOST_ADD, **example("add", a))
    softmax, layernorm, add = validate(b.build(), target).steps[HOST_CORE]
    f, g = example("softmax", a), example("layernorm", a)
    elements, ln_elements = f["rows"] * f["len"], g["rows"] * g["len"]
    assert softmax.cycles == 3 * elements * 4 + elements * 40
    assert layernorm.cycles == 4 * ln_elements * 4 + (ln_elements + g["rows"]) * 40
    assert add.cycles == 40 * 4  # no divisions
