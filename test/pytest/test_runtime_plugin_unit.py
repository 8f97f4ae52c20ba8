"""A unit registered from outside the runtime (here: a toy popcount engine defined in this file)
works with the codec, the target parser, the validator, the executor and the text dump with no
change to any of them."""
import math
from dataclasses import dataclass

import numpy as np
import pytest

from convc.runtime import Op, Program, Stream, StreamBuilder, StreamError, load_target, validate
from convc.runtime import units
from convc.runtime.geometry import flat
from convc.runtime.schema import Table
from convc.runtime.target import TargetError
from convc.runtime.units import Opcode, Unit
from convc.runtime.validate import price_queue

POPCOUNT = Opcode.from_layout(0x70, "POPCOUNT", "in_addr out_addr n", "popcount",
                              flag_names={1: "add"})
ADD = 1  # POPCOUNT flag: add to the u32 count already at out_addr


@dataclass(frozen=True)
class PopcountSpec:
    bytes_per_cycle: int
    energy_pj_per_byte: float


class PopcountUnit(Unit):
    """Counts the set bits of n bytes into a u32; `runs` (per core) counts its commands."""
    kind = "popcount"
    opcodes = (POPCOUNT,)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = PopcountSpec(t.integer("bytes_per_cycle"), t.number("energy_pj_per_byte"))
        t.finish()
        return spec

    def check(self, cmd, spec, state, target):
        return None if cmd["n"] else "counts no bytes"

    def accesses(self, cmd, state):
        out = [flat("out_addr", True, cmd["out_addr"], 4)]
        if cmd.has(ADD):
            out.insert(0, flat("out_addr", False, cmd["out_addr"], 4))
        return [flat("in_addr", False, cmd["in_addr"], cmd["n"])] + out

    def price(self, cmd, spec, state, target):
        return math.ceil(cmd["n"] / spec.bytes_per_cycle), 0, cmd["n"] * spec.energy_pj_per_byte

    def new_state(self, spec, options=None):
        return {"runs": 0}

    def execute(self, cmd, memory, state):
        bits = int(np.unpackbits(memory.read(cmd["in_addr"], cmd["n"])).sum())
        if cmd.has(ADD):
            bits += int(memory.read(cmd["out_addr"], 4).view("<u4")[0])
        memory.write(cmd["out_addr"], np.array([bits], "<u4"))
        state["runs"] += 1


TARGET_TEXT = """
name = "popsoc"
clock_mhz = 100

[[cores]]
name = "pop"
[cores.engines.popcount]
bytes_per_cycle = 4
energy_pj_per_byte = 0.25

[[cores]]
name = "plain"
[cores.engines.dpu]
lanes = 8
ops = ["add"]
energy_pj_per_op = 1.0

[memory.l1]
base = 0x1000
stride = 0x1000
size = 0x800
bandwidth_bytes_per_cycle = 4
energy_pj_per_byte = 1.0

[memory.l2]
base = 0x10000
size = 0x1000
bandwidth_bytes_per_cycle = 2
latency_cycles = 3
energy_pj_per_byte = 2.0

[memory.dram]
base = 0x20000
size = 0x10000
bandwidth_bytes_per_cycle = 1
latency_cycles = 10
energy_pj_per_byte = 5.0
"""


@pytest.fixture
def popcount():
    unit = units.register(PopcountUnit())
    yield unit
    if units.unit("popcount") is unit:
        units.unregister("popcount")


def test_a_unit_registered_from_a_test_runs_end_to_end(popcount, tmp_path):
    path = tmp_path / "popsoc.toml"
    path.write_text(TARGET_TEXT)
    target = load_target(path)
    assert target.engines(0)["popcount"] == PopcountSpec(4, 0.25)
    assert Op.POPCOUNT is POPCOUNT and Op(0x70) is POPCOUNT

    data = np.arange(40, dtype=np.uint8)
    L1, DRAM = target.l1_base(0), target.dram.base
    b = StreamBuilder("popsoc", 1, "popcount")
    b.data(DRAM, data)
    b.emit(0, Op.DMA, src=DRAM, dst=L1, rows=1, row_bytes=40, src_stride=0, dst_stride=0)
    b.emit(0, POPCOUNT, in_addr=L1, out_addr=L1 + 64, n=24)
    b.emit(0, POPCOUNT, ADD, in_addr=L1 + 24, out_addr=L1 + 64, n=16)
    blob = b.build().encode()
    stream = Stream.decode(blob)
    assert stream == b.build() and stream.encode() == blob
    assert stream.queues[0][2].op is POPCOUNT
    assert ("core 0  #0002  POPCOUNT.add  in_addr=0x00001018 out_addr=0x00001040 n=16"
            in stream.dump_text().splitlines())

    prog = Program(stream, target)
    counters = prog.run({}).counters
    assert prog.memory.read(L1 + 64, 4).view("<u4")[0] == np.unpackbits(data).sum()
    dma = 10 + 40  # DRAM latency, 40 bytes at the DRAM's 1 byte per cycle
    assert counters.cycles == [dma + 24 // 4 + 16 // 4, 0]
    assert counters.bytes == {"l1": 40 + 24 + 4 + 16 + 4 + 4, "l2": 0, "dram": 40}
    unit_pj = (24 + 16) * 0.25
    assert counters.energy_uj == pytest.approx((unit_pj + 92 * 1.0 + 40 * 5.0) * 1e-6)
    # The pricing API the compiler uses gives the same numbers.
    priced = price_queue(stream.queues[0], target, 0)
    assert [s.cycles for s in priced] == [s.cycles for s in prog.plan.steps[0]] == [50, 6, 4]

    # Its own field check and the engine rule apply like the built-in units'.
    bad = StreamBuilder("popsoc", 2, "popcount")
    bad.emit(0, POPCOUNT, in_addr=L1, out_addr=L1 + 64, n=0)
    with pytest.raises(StreamError, match=r"command 0 of core 0 \(POPCOUNT\) counts no bytes"):
        validate(bad.build(), target)
    elsewhere = StreamBuilder("popsoc", 2, "popcount")
    elsewhere.emit(1, POPCOUNT, in_addr=target.l1_base(1), out_addr=target.l1_base(1) + 64, n=8)
    with pytest.raises(StreamError) as info:
        validate(Stream.decode(elsewhere.build().encode()), target)
    assert str(info.value) == ("stream.bin: command 0 of core 1 (POPCOUNT): core 1 (group "
                               "'plain') has no popcount engine")

    # Its target table is checked by its own parse_spec, with the key path.
    path.write_text(TARGET_TEXT.replace("\nbytes_per_cycle = 4", "\nbytes_per_cycle = 0"))
    with pytest.raises(TargetError, match=r"cores\[0\]\.engines\.popcount\.bytes_per_cycle: "
                                          r"expected a positive integer"):
        load_target(path)

    # Once unregistered, the opcode and the engine kind are unknown again.
    units.unregister("popcount")
    with pytest.raises(StreamError, match="unknown opcode 0x70"):
        Stream.decode(blob)
    path.write_text(TARGET_TEXT)
    with pytest.raises(TargetError, match="unknown engine kind 'popcount'"):
        load_target(path)
    with pytest.raises(AttributeError):
        Op.POPCOUNT


def test_registry_refuses_clashes(popcount):
    class Twin(PopcountUnit):
        kind = "twin"
        opcodes = (Opcode.from_layout(0x70, "TWIN", "n", "twin"),)

    with pytest.raises(ValueError, match="clashes with POPCOUNT"):
        units.register(Twin())
    with pytest.raises(ValueError, match="already registered"):
        units.register(PopcountUnit())
    assert units.unit("twin") is None and Op(0x70) is POPCOUNT
