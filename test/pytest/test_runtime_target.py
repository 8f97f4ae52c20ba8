"""Target file parsing (runtime/target.py): core groups, engines, memories, key-path errors."""
import re
from pathlib import Path

import pytest

from convc.runtime.target import TargetError, load_target, parse_target

THETIS = Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml"

SMALL = """
name = "tiny"
clock_mhz = 100
[[cores]]
count = 2
[cores.engines.imc]
rows = 16
cols = 8
cycles_per_mvm = 4
program_cycles_per_row = 2
energy_pj_per_mac = 0.1
energy_pj_per_program_byte = 1
[cores.engines.dpu]
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
    assert (t.engines(0)["imc"].rows, t.engines(0)["imc"].cols, t.engines(0)["imc"].cycles_per_mvm) == (512, 512, 8)
    assert t.engines(0)["dpu"].lanes == 64 and "im2col" in t.engines(0)["dpu"].ops
    assert t.l1_base(3) == 0x13000000
    assert t.l1.latency_cycles == 0 and t.l2.latency_cycles == 20
    assert t.engines(0)["imc"].flavour == t.raw["cores"][0]["engines"]["imc"]["flavour"] == "digital"
    assert [(g.name, g.count, g.first, g.l1_size, sorted(g.engines)) for g in t.groups] == [
        ("imc", 4, 0, 4 << 20, ["dpu", "imc"])]


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
    ('rows = 16', '', "cores[0].engines.imc.rows"),
    ('lanes = 4', 'lanes = "4"', "cores[0].engines.dpu.lanes"),
    ('count = 2', 'count = true', "cores[0].count"),
    ('name = "tiny"', '', "name"),
    ('[memory.l2]\nbase = 0x10000', '[memory.l2]\nbase = -1', "memory.l2.base"),
    ('stride = 0x1000', 'stride = 0x400', "memory.l1.stride"),
    ('ops = ["add"]', 'ops = [1]', "cores[0].engines.dpu.ops"),
])
def test_bad_keys_name_the_key(tmp_path, old, new, key):
    assert old in SMALL
    with pytest.raises(TargetError, match=re.escape(key)):
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


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "targets.md").read_text()
DOC_TARGETS = {m.group(1): m.group(0) for m in re.finditer(r'name = "(\w+)"\nclock_mhz[^`]*',
                                                             DOCS)}


def hetero():
    import tomllib
    return parse_target(tomllib.loads(DOC_TARGETS["hetero"]))


def test_docs_examples_parse_and_thetis_matches_the_shipped_file():
    assert set(DOC_TARGETS) == {"thetis", "hetero"}
    import tomllib
    assert parse_target(tomllib.loads(DOC_TARGETS["thetis"])) == load_target(THETIS)


def test_heterogeneous_groups():
    t = hetero()
    assert t.cores == 5
    assert [(g.name, g.first, g.count) for g in t.groups] == [("imc", 0, 2), ("dpu", 2, 2),
                                                              ("host", 4, 1)]
    assert [t.core_group(c).name for c in range(5)] == ["imc", "imc", "dpu", "dpu", "host"]
    assert sorted(t.engines(1)) == ["dpu", "imc"] and sorted(t.engines(3)) == ["dpu"]
    assert t.has_engine(4, "host") and not t.has_engine(4, "dpu") and not t.has_engine(2, "imc")
    assert t.engines(2)["dpu"].lanes == 32 and t.engines(0)["dpu"].lanes == 64
    assert t.engines(4)["host"].cycles_per_element == 4
    assert [t.l1_size(c) for c in range(5)] == [4 << 20, 4 << 20, 1 << 20, 1 << 20, 64 << 10]
    assert t.region_of(t.l1_base(4), 64 << 10) == "l1:4"
    assert t.region_of(t.l1_base(4), (64 << 10) + 1) is None  # only the host's own size
    assert t.region_of(t.l1_base(2) + (1 << 20) - 1, 1) == "l1:2"
    # The path declared for dram-l1 (either order); elsewhere the slower level's bandwidth.
    assert t.dma_bandwidth("l1", "dram") == t.dma_bandwidth("dram", "l1") == 4
    assert t.dma_bandwidth("dram", "l2") == 8 and t.dma_bandwidth(t.l1, t.l2) == 32
    # compiler transition: the first group with the engine
    assert t.engines(0)["imc"].rows == 256 and t.engines(0)["dpu"].lanes == 64
    with pytest.raises(ValueError):
        t.core_group(5)


def without_tables(text: str, *headers: str) -> str:
    """`text` minus each table `[header]` and its keys (the lines up to the next table)."""
    for header in headers:
        text = re.sub(r"^" + re.escape(header) + r"\n(?:[^\[\n].*\n)*", "", text, flags=re.M)
    return text


HOST_ONLY = without_tables(SMALL, "[cores.engines.imc]", "[cores.engines.dpu]").replace(
    "[memory.l1]", "[cores.engines.host]\ncycles_per_element = 1\nenergy_pj_per_element = 0\n"
                   "[memory.l1]")


def test_a_host_only_target_has_no_other_engine():
    import tomllib
    t = parse_target(tomllib.loads(HOST_ONLY))
    assert [sorted(g.engines) for g in t.groups] == [["host"]]
    assert not t.has_engine(0, "imc") and t.has_engine(0, "host")


def test_old_layout_points_at_the_docs(tmp_path):
    old = SMALL.replace("[[cores]]", "[core]").replace("[cores.engines.imc]", "[imc]").replace(
        "[cores.engines.dpu]", "[dpu]")
    with pytest.raises(TargetError) as info:
        load_target(write(tmp_path, old))
    message = str(info.value)
    assert "layout changed" in message and "docs/targets.md" in message and "\n" not in message
    assert message.startswith(str(tmp_path / "t.toml") + ": ")


@pytest.mark.parametrize("old, new, message", [
    ("rows = 16", "rows = 0", "cores[0].engines.imc.rows: expected a positive integer, got int 0"),
    ("[memory.l2]\nbase = 0x10000\nsize = 0x1000", "[memory.l2]\nbase = 0x10000\nsize = 0",
     "memory.l2.size: expected a positive integer, got int 0"),
    ("[cores.engines.dpu]", "[cores.engines.foo]\n[cores.engines.dpu]",
     "cores[0].engines.foo: unknown engine kind 'foo' (known: aimc, cgra, dpu, host, imc, snn)"),
    ("[cores.engines.dpu]", "[cores.engines.core]\n[cores.engines.dpu]",
     "cores[0].engines.core: every core has the core unit (DMA, SIGNAL, WAIT); do not declare it"),
    ("rows = 16", "rows = 16\nrowz = 3", "cores[0].engines.imc.rowz: unknown key (known here: "),
    ("rows = 16", 'rows = 16\nflavour = "analog"',
     "cores[0].engines.imc.flavour: 'analog' is not supported (known: digital)"),
    ("rows = 16", "rows = 16\nsupported_weight_bits = [8, 3]",
     "cores[0].engines.imc.supported_weight_bits: expected a list of distinct values from "
     "[8, 4, 2, 1], got list [8, 3]"),
    ('ops = ["add"]', 'ops = ["add", "groupnorm"]', "cores[0].engines.dpu.ops: expected a list of "
                                                  "distinct values from ['im2col', "),
    ("count = 2", "count = 2\nl1_size = 0x1001", "memory.l1.stride: 4096 is smaller than the L1 "
                                                 "size 4097 of cores[0]"),
    ("count = 2", "count = 2\nl1size = 1", "cores[0].l1size: unknown key"),
    ("[memory.dram]", "[memory.paths]\nl1-l3 = 2\n[memory.dram]",
     "memory.paths.l1-l3: expected a path 'a-b' between two of l1, l2, dram"),
    ("[memory.dram]", "[memory.paths]\nl1-l2 = 2\nl2-l1 = 3\n[memory.dram]",
     "memory.paths.l2-l1: declares the path l1-l2 a second time"),
    ("[memory.dram]", "[memory.paths]\nl1-l2 = 0\n[memory.dram]",
     "memory.paths.l1-l2: expected a positive number, got int 0"),
    ("clock_mhz = 100", "clock_mhz = 100\ncolor = 1", "color: unknown key"),
])
def test_errors_are_one_line_with_the_key_path(tmp_path, old, new, message):
    assert old in SMALL
    with pytest.raises(TargetError) as info:
        load_target(write(tmp_path, SMALL.replace(old, new, 1)))
    assert str(info.value).startswith(f"{tmp_path / 't.toml'}: {message}")
    assert "\n" not in str(info.value)


def test_core_groups_are_required(tmp_path):
    no_cores = without_tables(SMALL, "[[cores]]", "[cores.engines.imc]", "[cores.engines.dpu]")
    assert "cores" not in no_cores
    for text in (no_cores, "cores = []\n" + no_cores):
        with pytest.raises(TargetError, match=re.escape(
                "t.toml: cores: a target needs at least one core group")):
            load_target(write(tmp_path, text))
    unnamed = SMALL.replace("[[cores]]\ncount = 2", '[[cores]]\nname = "a"\n[[cores]]\nname = "a"')
    with pytest.raises(TargetError, match=re.escape("cores[1].name: 'a' also names an earlier")):
        load_target(write(tmp_path, unnamed))


def test_a_core_without_engines_only_moves_data(tmp_path):
    text = SMALL.replace("[[cores]]\ncount = 2", "[[cores]]\nname = \"dma\"\n[[cores]]\ncount = 1")
    t = load_target(write(tmp_path, text))
    assert t.cores == 2 and dict(t.engines(0)) == {} and sorted(t.engines(1)) == ["dpu", "imc"]
