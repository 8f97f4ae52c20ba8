"""Target file parsing (runtime/target.py)."""
from pathlib import Path

import pytest

from convc.runtime.target import TargetError, load_target

THETIS = Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml"

SMALL = """
name = "tiny"
clock_mhz = 100
[core]
count = 2
[imc]
rows = 16
cols = 8
cycles_per_mvm = 4
program_cycles_per_row = 2
energy_pj_per_mac = 0.1
energy_pj_per_program_byte = 1
[dpu]
lanes = 4
ops = ["add"]
energy_pj_per_op = 0.5
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


def write(tmp_path, text):
    path = tmp_path / "t.toml"
    path.write_text(text)
    return path


def test_thetis_values():
    t = load_target(THETIS)
    assert (t.name, t.clock_mhz, t.cores) == ("thetis", 800, 4)
    assert (t.imc.rows, t.imc.cols, t.imc.cycles_per_mvm) == (512, 512, 8)
    assert t.dpu.lanes == 64 and "im2col" in t.dpu.ops
    assert t.l1_base(3) == 0x13000000
    assert t.l1.latency_cycles == 0 and t.l2.latency_cycles == 20
    assert t.raw["imc"]["kind"] == "digital-sram"


def test_region_of(tmp_path):
    t = load_target(write(tmp_path, SMALL))
    assert t.region_of(0x1000, 0x800) == "l1:0"
    assert t.region_of(0x2000, 1) == "l1:1"
    assert t.region_of(0x17ff, 2) is None  # runs past the end of l1:0
    assert t.region_of(0x1800, 1) is None  # the gap between l1:0 and l1:1
    assert t.region_of(0x3000, 1) is None  # only two cores
    assert t.region_of(0x10000, 0x1000) == "l2"
    assert t.region_of(0x10000, 0x1001) is None
    assert t.region_of(0x2ffff, 1) == "dram"
    assert t.region_of(0x0, 4) is None
    with pytest.raises(ValueError):
        t.l1_base(2)


@pytest.mark.parametrize("old, new, key", [
    ('rows = 16', '', "imc.rows"),
    ('lanes = 4', 'lanes = "4"', "dpu.lanes"),
    ('count = 2', 'count = true', "core.count"),
    ('name = "tiny"', '', "name"),
    ('[memory.l2]\nbase = 0x10000', '[memory.l2]\nbase = -1', "memory.l2.base"),
    ('stride = 0x1000', 'stride = 0x400', "memory.l1.stride"),
    ('ops = ["add"]', 'ops = [1]', "dpu.ops"),
])
def test_bad_keys_name_the_key(tmp_path, old, new, key):
    assert old in SMALL
    with pytest.raises(TargetError, match=key.replace(".", r"\.")):
        load_target(write(tmp_path, SMALL.replace(old, new)))


def test_missing_table_and_overlap(tmp_path):
    with pytest.raises(TargetError, match=r"\[memory.dram\]"):
        load_target(write(tmp_path, SMALL.split("[memory.dram]")[0]))
    with pytest.raises(TargetError, match="overlap"):
        load_target(write(tmp_path, SMALL.replace("base = 0x10000", "base = 0x1400")))


def test_unreadable_files(tmp_path):
    with pytest.raises(TargetError, match="invalid TOML"):
        load_target(write(tmp_path, "name = "))
    with pytest.raises(TargetError, match="missing.toml"):
        load_target(tmp_path / "missing.toml")
