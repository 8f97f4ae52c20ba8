"""Validation, multi-core scheduling and the cost model (runtime/validate.py, executor.py)."""
import math
from pathlib import Path

import numpy as np
import pytest

from convc.runtime import (ACCUMULATE, Command, Memory, Op, Program, Stream, StreamBuilder,
                           StreamError, execute, load_target, requant_params, validate)
from convc.runtime.validate import Plan, Step

THETIS = load_target(Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml")
L1_0, L1_1, L2, DRAM = THETIS.l1_base(0), THETIS.l1_base(1), THETIS.l2.base, THETIS.dram.base
RESCALE = dict(n=16, in_zp=0, mult=1, shift=1, out_zp=0, clamp_min=-128, clamp_max=127)


def dma(src, dst, nbytes):
    return dict(src=src, dst=dst, rows=1, row_bytes=nbytes, src_stride=0, dst_stride=0)


def builder(cores=2):
    return StreamBuilder("thetis", cores, "exec-test")


def rejected(b: StreamBuilder, match: str):
    stream = Stream.decode(b.build().encode())
    with pytest.raises(StreamError, match=match) as info:
        validate(stream, THETIS)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_two_cores_pass_data_through_l2():
    """Core 1 produces, core 0 consumes: core 0 blocks first, so the scheduler must switch."""
    x = np.arange(-8, 8, dtype=np.int8) * 8
    b = builder()
    b.input("x", (16,), DRAM, 1.0, 0)
    b.output("y", (16,), DRAM + 64, 1.0, 0)
    b.emit(0, Op.WAIT, event=5)
    b.emit(0, Op.DMA, **dma(L2, L1_0, 16))
    b.emit(0, Op.DPU_RESCALE, in_addr=L1_0, out_addr=L1_0 + 16, **RESCALE)  # second halving
    b.emit(0, Op.DMA, **dma(L1_0 + 16, DRAM + 64, 16))
    b.emit(1, Op.DMA, **dma(DRAM, L1_1, 16))
    b.emit(1, Op.DPU_RESCALE, in_addr=L1_1, out_addr=L1_1 + 16, **RESCALE)  # first halving
    b.emit(1, Op.DMA, **dma(L1_1 + 16, L2, 16))
    b.emit(1, Op.SIGNAL, event=5)
    prog = Program(Stream.decode(b.build().encode()), THETIS)
    result = prog.run(x.astype(np.float32))
    assert result.outputs_int8["y"].tolist() == [((int(v) + 1) // 2 + 1) // 2 for v in x]

    c = result.counters
    dram_in = 100 + math.ceil(16 / 8)  # DRAM latency + bytes / bandwidth
    l2_out = 20 + math.ceil(16 / 32)
    rescale = 1  # ceil(16 / 64 lanes)
    signal_time = dram_in + rescale + l2_out + 1
    assert c.cycles[1] == signal_time
    wait_done = signal_time + 1
    assert c.cycles[0] == wait_done + l2_out + rescale + dram_in
    assert c.cycles[2:] == [0, 0] and c.total_cycles == c.cycles[0]
    assert c.commands == 8
    # four DMAs touch L1 once each, two RESCALEs read and write it
    assert c.bytes == {"l1": 4 * 16 + 2 * 32, "l2": 32, "dram": 32}
    energy_pj = (c.bytes["l1"] * 0.5 + c.bytes["l2"] * 2.0 + c.bytes["dram"] * 20.0
                 + 2 * 16 * 0.1)
    assert c.energy_uj == pytest.approx(energy_pj * 1e-6)
    assert set(c.to_dict()) == {"cycles", "total_cycles", "macs", "bytes", "commands",
                                "energy_uj", "activity"}
    assert c.activity == []  # no command here is priced on its data


def test_imc_costs():
    b = builder(1)
    b.emit(0, Op.IMC_PROGRAM, src=L1_0, rows=100, cols=30)
    b.emit(0, Op.IMC_MVM, in_addr=L1_0, in_stride=100, out_addr=L1_0 + 0x10000,
           out_stride=120, m=7)
    b.emit(0, Op.DPU_MAXPOOL, in_addr=L1_0, h=8, w=8, c=3, kh=2, kw=2, stride_h=2, stride_w=2,
           pad_top=0, pad_left=0, out_h=4, out_w=4, out_addr=L1_0 + 0x20000)
    counters = Program(b.build(), THETIS).run({}).counters
    assert counters.macs == 7 * 100 * 30
    # the DPU's pooling only reads bytes the MVM reads too, so it runs beside the array
    # (issued once the MVM has started) and ends first
    assert math.ceil(4 * 4 * 3 * 4 / 64) < 7 * 8
    assert counters.cycles[0] == 100 * 1 + 7 * 8
    assert counters.energy_uj == pytest.approx(
        (100 * 30 * 0.2 + 7 * 100 * 30 * 0.05 + 4 * 4 * 3 * 4 * 0.1
         + 0.5 * (3000 + 7 * 100 + 7 * 120 + 8 * 8 * 3 + 4 * 4 * 3)) * 1e-6)


def test_deadlock_is_detected_before_execution():
    b = builder()
    b.emit(0, Op.WAIT, event=1)
    b.emit(0, Op.SIGNAL, event=0)
    b.emit(1, Op.WAIT, event=0)
    b.emit(1, Op.SIGNAL, event=1)
    msg = rejected(b, "deadlock")
    assert msg.endswith("core 0 waits for event 1 and core 1 waits for event 0, which no "
                        "running core signals")


def test_executor_reports_deadlock_itself():
    """execute() must not hang or crash if handed a plan that deadlocks."""
    wait = Command.make(Op.WAIT, event=7)
    stream = Stream({"target": "thetis", "cores": 1, "model": "m", "producer": "p"},
                    queues={2: [wait]})
    plan = Plan(THETIS, "stream.bin", {2: [Step(2, 0, wait, 1, 0, (0, 0, 0), 0.0)]})
    with pytest.raises(StreamError, match="deadlock: core 2 waits for event 7, which no "
                                          "running core signals"):
        execute(stream, THETIS, Memory(THETIS), plan)


def test_event_rules():
    b = builder()
    b.emit(1, Op.WAIT, event=9)
    rejected(b, "command 0 of core 1 \\(WAIT\\) waits for event 9, which no command signals")
    b = builder()
    b.emit(0, Op.SIGNAL, event=3)
    b.emit(1, Op.SIGNAL, event=3)
    rejected(b, "event 3 is signalled twice")


def test_out_of_bounds_and_foreign_memory():
    b = builder()
    b.emit(0, Op.DMA, **dma(L2 + THETIS.l2.size - 8, L1_0, 16))
    rejected(b, r"command 0 of core 0 \(DMA\) reads 0x21fffff8..0x22000008 \(src\) outside "
                r"the memory map")
    b = builder()
    b.emit(1, Op.DPU_RESCALE, in_addr=L1_1, out_addr=L1_1 + THETIS.l1.size - 4, **RESCALE)
    rejected(b, "writes .* outside the memory map")
    b = builder()
    b.emit(0, Op.DPU_RESCALE, in_addr=L1_1, out_addr=L1_0, **RESCALE)
    rejected(b, "reads 0x11000000..0x11000010 \\(in_addr\\) in l1:1, but compute commands "
                "may only touch l1:0")
    b = builder()
    b.emit(0, Op.IMC_PROGRAM, src=L2, rows=4, cols=4)
    rejected(b, "in l2, but compute commands")
    b = builder()
    b.emit(0, Op.DMA, **dma(L1_1, L1_0, 16))  # DMA may move data between any regions
    validate(b.build(), THETIS)


def test_imc_rules():
    b = builder()
    b.emit(0, Op.IMC_MVM, in_addr=L1_0, in_stride=4, out_addr=L1_0, out_stride=4, m=1)
    rejected(b, "runs before any IMC_PROGRAM on core 0")
    b = builder()
    b.emit(0, Op.IMC_PROGRAM, src=L1_0, rows=513, cols=4)
    rejected(b, "513x4 matrix into the 512x512 array")
    b = builder()
    b.emit(1, Op.IMC_PROGRAM, src=L1_1, rows=512, cols=16)
    # MVM reads `rows` (512) bytes per vector: the last vector runs past the end of L1.
    b.emit(1, Op.IMC_MVM, ACCUMULATE, in_addr=L1_1 + THETIS.l1.size - 600, in_stride=100, m=2,
           out_addr=L1_1, out_stride=64)
    rejected(b, r"IMC_MVM.acc\) reads .* \(in_addr\) outside")


def test_field_rules():
    add = dict(a_addr=L1_0, b_addr=L1_0, out_addr=L1_0, n=4, b_len=1, a_zp=0, a_mult=1,
               b_zp=0, b_mult=1, out_zp=0, clamp_min=-128, clamp_max=127)
    for shift in (0, 63):
        b = builder()
        b.emit(0, Op.DPU_ADD, shift=shift, **add)
        rejected(b, f"shift {shift} outside \\[1, 62\\]")
    b = builder()
    b.emit(0, Op.DPU_ADD, **dict(add, shift=1, clamp_min=5, clamp_max=4))
    rejected(b, "clamp range")
    b = builder()
    b.emit(0, Op.DPU_MAXPOOL, in_addr=L1_0, h=4, w=4, c=1, kh=2, kw=2, stride_h=1, stride_w=1,
           pad_top=2, pad_left=0, out_h=2, out_w=2, out_addr=L1_0 + 64)
    rejected(b, "output row 0 whose window lies entirely in padding")
    b = builder()
    b.emit(0, Op.DPU_TRANSPOSE, in_addr=L1_0, out_addr=L1_0 + 64, rank=2, d0=2, d1=2, d2=1,
           d3=1, p0=0, p1=0, p2=2, p3=3)
    rejected(b, "not a permutation")


def test_stream_level_rules():
    b = builder()
    b.emit(4, Op.SIGNAL, event=1)
    rejected(b, "queue for core 4, but target thetis has 4 cores")
    b = builder()
    b.data(DRAM + THETIS.dram.size - 2, b"abcd")
    rejected(b, "data segment 0 .* outside the memory map")
    b = builder()
    b.data(DRAM, b"abcd")
    b.data(DRAM + 2, b"ef")
    rejected(b, "data segments 0 and 1 overlap")
    b = builder()
    b.output("y", (4, 4), L2 + THETIS.l2.size - 8, 1.0, 0)
    rejected(b, "output 'y' .* outside the memory map")
    b = StreamBuilder("other", 1, "m")
    rejected(b, "compiled for target 'other', not 'thetis'")


def test_requant_shift_from_memory_is_checked_at_run_time():
    b = builder(1)
    b.data(L1_0, requant_params([0, 0], [1, 1], [3, 0]))
    b.emit(0, Op.DPU_REQUANT, in_addr=L1_0 + 64, in_stride=8, out_addr=L1_0 + 128,
           out_stride=2, m=1, c=2, params_addr=L1_0, out_zp=0, clamp_min=-128, clamp_max=127)
    prog = Program(b.build(), THETIS)
    with pytest.raises(StreamError, match=r"command 0 of core 0 \(DPU_REQUANT\): shift\[1\] = 0"):
        prog.run({})
