"""price_queue (the compiler's cost model API) and validation on a heterogeneous target."""
import math
import re
import tomllib
from pathlib import Path

import pytest

from convc.runtime import ACCUMULATE, Command, Op, StreamBuilder, StreamError, validate
from convc.runtime.target import load_target, parse_target
from convc.runtime.validate import price_queue

ROOT = Path(__file__).resolve().parents[2]
THETIS = load_target(ROOT / "convc" / "targets" / "thetis.toml")
THETIS_MP = load_target(ROOT / "convc" / "targets" / "thetis_mp.toml")
# The heterogeneous example of docs/targets.md: cores 0-1 IMC+DPU, 2-3 DPU only, 4 a host;
# DRAM <-> L1 DMAs at 4 bytes per cycle.
HETERO = parse_target(tomllib.loads(re.search(r'name = "hetero"\n[^`]*',
                                              (ROOT / "docs" / "targets.md").read_text())[0]))


def conv_tile(t, core: int, l1: int) -> list[Command]:
    """One layer's commands as the compiler would emit them for `core`."""
    l2, dram = t.l2.base, t.dram.base
    return [Command.make(Op.DMA, src=l2, dst=l1, rows=1, row_bytes=4096, src_stride=0,
                         dst_stride=0),
            Command.make(Op.DMA, src=dram, dst=l1 + 0x10000, rows=96, row_bytes=64,
                         src_stride=128, dst_stride=64),
            Command.make(Op.IMC_PROGRAM, src=l1 + 0x10000, rows=96, cols=64),
            Command.make(Op.IMC_MVM, in_addr=l1, in_stride=96, out_addr=l1 + 0x20000,
                         out_stride=256, m=40),
            Command.make(Op.IMC_MVM, ACCUMULATE, in_addr=l1, in_stride=96,
                         out_addr=l1 + 0x20000, out_stride=256, m=40),
            Command.make(Op.DPU_RESCALE, in_addr=l1, out_addr=l1 + 0x30000, n=1000, in_zp=0,
                         mult=1, shift=1, out_zp=0, clamp_min=-128, clamp_max=127),
            Command.make(Op.SIGNAL, event=1)]


def test_price_queue_gives_the_validators_prices():
    cmds = conv_tile(THETIS, 1, THETIS.l1_base(1))
    b = StreamBuilder("thetis", 2, "price")
    b.stream.queues[1] = cmds
    plan = validate(b.build(), THETIS)
    assert price_queue(cmds, THETIS, 1) == plan.steps[1]
    steps = plan.steps[1]
    assert steps[0].cycles == 20 + math.ceil(4096 / 32)  # L2 -> L1
    assert steps[1].cycles == 100 + math.ceil(96 * 64 / 8)  # DRAM -> L1
    assert (steps[3].macs, steps[3].cycles) == (40 * 96 * 64, 40 * 8)  # the programmed shape
    assert steps[4].bytes == (40 * 96 + 2 * 40 * 256, 0, 0)  # ACCUMULATE reads the sums back
    assert steps[5].cycles == math.ceil(1000 / 64) and steps[6].cycles == 1


def test_placeholder_addresses_only_need_the_right_level():
    """The compiler prices before it plans memory: a buffer may not fit where it is put."""
    l1 = THETIS.l1_base(0)
    cmds = [Command.make(Op.IMC_PROGRAM, src=l1, rows=512, cols=512),
            Command.make(Op.IMC_MVM, in_addr=l1, in_stride=512, out_addr=l1, out_stride=2048,
                         m=100_000),  # 200 MB of results: far more than any L1
            Command.make(Op.DMA, src=THETIS.dram.base, dst=THETIS.l2.base, rows=1,
                         row_bytes=1 << 30, src_stride=0, dst_stride=0)]
    mvm, dma = price_queue(cmds, THETIS, 0)[1:]
    assert (mvm.cycles, mvm.macs, mvm.bytes[0]) == (100_000 * 8, 100_000 * 512 * 512,
                                                    100_000 * (512 + 2048))
    assert dma.cycles == 100 + (1 << 30) // 8 and dma.bytes == (0, 1 << 30, 1 << 30)
    b = StreamBuilder("thetis", 1, "too big")
    b.stream.queues[0] = cmds
    with pytest.raises(StreamError, match="outside the memory map"):
        validate(b.build(), THETIS)
    with pytest.raises(StreamError, match=r"command 0 of core 0 \(DMA\) touches 0x00000010 "
                                          r"\(src\), outside the memory map"):
        price_queue([Command.make(Op.DMA, src=16, dst=l1, rows=1, row_bytes=4, src_stride=0,
                                  dst_stride=0)], THETIS, 0)


def test_price_queue_tracks_the_array_mode():
    l1 = THETIS_MP.l1_base(2)
    program = Command.make(Op.IMC_PROGRAM, src=l1, rows=256, cols=64)
    mvm = Command.make(Op.IMC_MVM, in_addr=l1, in_stride=256, out_addr=l1, out_stride=256, m=10)
    int8 = price_queue([program, mvm], THETIS_MP, 2)
    int4 = price_queue([Command.make(Op.IMC_MODE, weight_bits=4, input_bits=4), program, mvm],
                       THETIS_MP, 2)[1:]
    assert [s.cycles for s in int8] == [256, 80] and [s.cycles for s in int4] == [128, 40]
    assert int4[0].bytes[0] == 256 * 64 // 2  # packed int4 weights


def test_price_queue_rejects_what_validation_rejects():
    l1 = HETERO.l1_base(2)
    mvm = Command.make(Op.IMC_MVM, in_addr=l1, in_stride=4, out_addr=l1, out_stride=4, m=1)
    with pytest.raises(StreamError, match=r"^command 0 of core 0 \(IMC_MVM\) runs before any "
                                          r"IMC_PROGRAM on core 0$"):
        price_queue([mvm], HETERO, 0)
    with pytest.raises(StreamError, match=r"^command 0 of core 2 \(IMC_MVM\): core 2 \(group "
                                          r"'dpu'\) has no imc engine$"):
        price_queue([mvm], HETERO, 2)
    with pytest.raises(ValueError, match="core 5 outside"):
        price_queue([], HETERO, 5)


def test_dma_paths_and_per_group_engines():
    assert HETERO.cores == 5
    dram, l2 = HETERO.dram.base, HETERO.l2.base

    def dma(src, dst, n=1024):
        return Command.make(Op.DMA, src=src, dst=dst, rows=1, row_bytes=n, src_stride=0,
                            dst_stride=0)

    to_l1, to_l2, l2_l1 = price_queue([dma(dram, HETERO.l1_base(4)), dma(dram, l2),
                                       dma(l2, HETERO.l1_base(4))], HETERO, 4)
    assert to_l1.cycles == 100 + 1024 // 4  # the declared dram-l1 path
    assert to_l2.cycles == 100 + 1024 // 8  # no path declared: the slower level (DRAM)
    assert l2_l1.cycles == 20 + 1024 // 32
    # A DPU op the DPU-only group lacks, an IMC command on it, a host command elsewhere.
    b = StreamBuilder("hetero", 5, "hetero")
    for i in range(5):
        b.emit(2, Op.SIGNAL, event=i)
    b.emit(2, Op.IMC_MVM, in_addr=HETERO.l1_base(2), in_stride=4, out_addr=HETERO.l1_base(2),
           out_stride=4, m=1)
    with pytest.raises(StreamError) as info:
        validate(b.build(), HETERO)
    assert str(info.value) == ("stream.bin: command 5 of core 2 (IMC_MVM): core 2 (group 'dpu') "
                               "has no imc engine")
    l1 = HETERO.l1_base(3)
    im2col = dict(in_addr=l1, h=1, w=1, c=1, kh=1, kw=1, stride_h=1, stride_w=1, pad_top=0,
                  pad_left=0, dil_h=1, dil_w=1, pad_value=0, out_addr=l1 + 64, row_start=0,
                  n_rows=1, out_h=1, out_w=1)
    with pytest.raises(StreamError, match="uses DPU op 'im2col', which target hetero lacks"):
        price_queue([Command.make(Op.DPU_IM2COL, **im2col)], HETERO, 3)
    assert price_queue([Command.make(Op.DPU_IM2COL, **dict(im2col, in_addr=HETERO.l1_base(0),
                                                          out_addr=HETERO.l1_base(0)))],
                       HETERO, 0)[0].cycles == 1
    # DPU-only cores have a 1 MiB L1 of their own.
    b = StreamBuilder("hetero", 5, "hetero")
    b.emit(3, Op.DPU_RESCALE, in_addr=l1 + (1 << 20) - 8, out_addr=l1, n=16, in_zp=0, mult=1,
           shift=1, out_zp=0, clamp_min=-128, clamp_max=127)
    with pytest.raises(StreamError, match=r"reads 0x130ffff8..0x13100008 \(in_addr\) outside"):
        validate(b.build(), HETERO)
