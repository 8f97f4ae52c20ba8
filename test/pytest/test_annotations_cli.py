"""Gray-box annotations through the `convc` command line: directives honoured and reported with
their source, --relax, --save-annotations round trips, constraints checked against the
compiled result, opportunities, and the shipped examples (examples/annotations/)."""

import json
import math
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.annotations.parser import load
from convc.runtime import Stream
from helpers import assert_one_line_error, convc

def warnings_of(proc) -> list[str]:
    return [ln[len("warning: "):] for ln in proc.stderr.splitlines() if ln.startswith("warning: ")]


def report_of(out) -> dict:
    return json.loads((out / "report.json").read_text())


def rows(report, node, op=None) -> list[dict]:
    found = [r for r in report["layers"] if r["node"] == node and (op is None or r["op"] == op)]
    assert found, f"no layer {node} {op or ''} in {[r['node'] for r in report['layers']]}"
    return found


def compile_annotated(models_dir, tmp_path, model, text, *extra, name="map"):
    """Compile build/models/MODEL with `text` as annotation file; returns (proc, out, cva)."""
    cva = tmp_path / f"{name}.cva"
    cva.write_text(text)
    out = tmp_path / f"out_{name}"
    proc = convc(models_dir / f"{model}.onnx", "--calib", models_dir / f"{model}.calib.npz",
                 "-o", out, "--annotations", cva, *extra)
    return proc, out, cva


# --------------------------------------------------------------------------------------------
# One digits_cnn compile with rules that all hold (heuristically: /2/Conv on core 1, /6/Gemm in
# 512x64 tiles, input x calibrated to [0, 1] with scale 1/255).

RICH = """version 1
place "/2/Conv" and kind imc.conv2d on imc core 3
tile "/6/Gemm" and kind imc.matmul rows 256 cols 32
precision op Conv weights int8 activations int8
opportunity reduced_precision op Gemm
place "/no/such/node" on core 1
constraint never_in_dram op Conv
constraint memory l2 <= 64 KiB
constraint latency "/6/Gemm" <= 100000 cycles
constraint max_error <= 10
opportunity input_range "x" [-2, 6]
"""


@pytest.fixture(scope="module")
def rich(models_dir, tmp_path_factory):
    proc, out, cva = compile_annotated(models_dir, tmp_path_factory.mktemp("rich"), "digits_cnn", RICH)
    assert proc.returncode == 0, proc.stderr
    return proc, out, cva, report_of(out)


def test_place_pin_is_honoured_and_reported(rich):
    _, _, cva, report = rich
    conv = rows(report, "/2/Conv", "imc.conv2d")[0]
    assert conv["core"] == 3
    assert conv["decided_by"]["core"] == f"{cva}:2"
    others = [r for r in report["layers"] if r["node"] != "/2/Conv" and r["op"] != "dpu.reshape"]
    assert others and all(r["decided_by"]["core"] == "heuristic" for r in others)


def test_tile_rule_is_honoured_and_reported(rich):
    _, _, cva, report = rich
    gemm = rows(report, "/6/Gemm", "imc.matmul")[0]
    assert gemm["tile"] == [256, 32]
    assert (gemm["row_tiles"], gemm["col_tiles"]) == (2, 2)  # K = 512, N = 64
    assert gemm["decided_by"]["tile"] == f"{cva}:3"
    other = rows(report, "/8/Gemm", "imc.matmul")[0]
    assert other["decided_by"]["tile"] == "heuristic"


def test_directives_keep_the_stream_exact(rich):
    _, _, _, report = rich
    assert report["verify"]["integer_exact"] is True  # max_error runs verification without --verify


def test_precision_rule_int8_is_accepted_and_reported(rich):
    _, _, cva, report = rich
    for conv in rows(report, "/0/Conv", "imc.conv2d") + rows(report, "/2/Conv", "imc.conv2d"):
        assert conv["precision"] == {"weights": "int8", "inputs": "int8", "activations": "int8"}
        assert conv["decided_by"]["precision"] == f"{cva}:4"
    assert rows(report, "/6/Gemm", "imc.matmul")[0]["decided_by"]["precision"] == "heuristic"


def test_reduced_precision_not_exploited_warning(rich):
    proc, _, cva, report = rich
    expected = f"{cva}:5:1: reduced_precision opportunity not exploited: thetis executes int8 weights only"
    assert warnings_of(proc).count(expected) == 1, proc.stderr
    assert expected in report["warnings"]


def test_rule_matching_no_layer_warns(rich):
    proc, _, cva, _ = rich
    assert f"{cva}:6:1: place rule matches no layer" in warnings_of(proc), proc.stderr
    assert not any(w.startswith(f"{cva}:2:") for w in warnings_of(proc))


def test_constraints_that_hold_are_listed(rich):
    _, _, cva, report = rich
    assert report["constraints_checked"] == [f"{cva}:{n}:1" for n in (9, 8, 7, 10)]  # latency, memory, dram, error
    assert "constraint_violation" not in report
    assert report["verify"]["max_abs_error"] <= 10


def test_input_range_sets_the_input_scale(rich):
    _, out, _, _ = rich
    scale, zp = 8 / 255, -64  # [-2, 6] over 255 steps; -2 maps to -128
    stream = Stream.decode((out / "stream.bin").read_bytes())
    (x,) = stream.inputs
    assert x.name == "x" and math.isclose(x.scale, scale, rel_tol=1e-12) and x.zero_point == zp
    line = next(ln for ln in (out / "stream.txt").read_text().splitlines() if ln.startswith("io   input  x"))
    assert f"scale={scale!r} zero_point={zp}" in line


def test_input_range_is_not_what_calibration_gives(rich, models_dir):
    from convc.quant_math import activation_qparams
    calib = np.load(models_dir / "digits_cnn.calib.npz")
    values = np.concatenate([np.asarray(calib[k]).ravel() for k in calib.files])
    scale, zp = activation_qparams(float(values.min()), float(values.max()))
    (x,) = Stream.decode((rich[1] / "stream.bin").read_bytes()).inputs
    assert not math.isclose(x.scale, scale) and x.zero_point != zp


# --------------------------------------------------------------------------------------------
# Rules the target cannot honour, --relax


def test_nonexistent_core_is_an_error(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", 'version 1\n\nplace "/2/Conv" on imc core 7\n')
    line = assert_one_line_error(proc, f"{cva}:3:", "core 7", "does not exist")
    assert line.startswith(f"error: {cva}:3:1: place rule cannot be honoured"), line


RELAXED = """version 1
place "/2/Conv" on imc core 7
precision op Conv weights int4
"""


@pytest.fixture(scope="module")
def relaxed(models_dir, tmp_path_factory):
    proc, out, cva = compile_annotated(models_dir, tmp_path_factory.mktemp("relax"), "digits_cnn", RELAXED, "--relax")
    assert proc.returncode == 0, proc.stderr
    return proc, out, cva, report_of(out)


def test_nonexistent_core_with_relax_warns_and_falls_back(relaxed):
    proc, _, cva, report = relaxed
    mine = [w for w in warnings_of(proc) if w.startswith(f"{cva}:2:1: ")]
    assert len(mine) == 1 and "does not exist" in mine[0] and "--relax" in mine[0], proc.stderr
    conv = rows(report, "/2/Conv", "imc.conv2d")[0]
    assert conv["decided_by"]["core"] == "heuristic" and 0 <= conv["core"] < 4


def test_int4_with_relax_warns_and_keeps_int8(relaxed):
    proc, _, cva, report = relaxed
    mine = [w for w in warnings_of(proc) if w.startswith(f"{cva}:3:1: ")]
    assert mine and all("int4" in w and "--relax" in w and "int8" in w for w in mine), proc.stderr
    for conv in [r for r in report["layers"] if r["op"] == "imc.conv2d"]:
        assert conv["precision"] == {"weights": "int8", "inputs": "int8", "activations": "int8"}
        assert conv["decided_by"]["precision"] == "heuristic"


def test_relax_warns_once_per_rule(relaxed):
    proc, _, cva, _ = relaxed
    assert len([w for w in warnings_of(proc) if w.startswith(f"{cva}:3:1: ")]) == 1, proc.stderr


def test_engine_that_cannot_run_the_op(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", 'version 1\nplace "/2/Conv" on dpu core 1\n')
    assert_one_line_error(proc, f"{cva}:2:1:", "engine dpu cannot run imc.conv2d", "'/2/Conv'")


def test_int4_on_thetis_is_an_error(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", "version 1\nprecision op Conv weights int4\n")
    assert_one_line_error(proc, f"{cva}:2:1:", "precision rule cannot be honoured", "int8 weights only", "int4")


def test_tile_larger_than_the_array_is_an_error(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", 'version 1\ntile "/6/Gemm" rows 600 cols 32\n')
    assert_one_line_error(proc, f"{cva}:2:1:", "tile 600x32 does not fit", "512x512")


def test_precision_rule_by_layer_id(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", "version 1\nprecision layer 1 weights int4\n")
    assert_one_line_error(proc, f"{cva}:2:1:", "int4", "'/0/Conv'")


# --------------------------------------------------------------------------------------------
# Errors found before compiling


def test_contradicting_rules_name_both_lines(tmp_path, models_dir):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                     'version 1\nplace "/2/Conv" on core 1\n# later\nplace   "/2/Conv" on core 2\n')
    assert_one_line_error(proc, f"{cva}:4:1: contradicts {cva}:2:1", "place \"/2/Conv\"")


def test_place_contradicting_never_leaves_core(tmp_path, models_dir):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                     'version 1\nplace op Conv on core 1\nconstraint never_leaves_core 2 op Conv\n')
    assert_one_line_error(proc, f"{cva}:2:1: contradicts {cva}:3:1", "core 1", "core 2")


def test_syntax_error(tmp_path, models_dir):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", 'version 1\nplace "/2/Conv" on core\n')
    line = assert_one_line_error(proc)
    assert re.fullmatch(rf"error: {re.escape(str(cva))}:2:24: unexpected end of line, expected integer", line), line
    assert not out.exists()


def test_bad_escape_is_a_one_line_error(tmp_path, models_dir):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", 'version 1\nplace "/2\\xConv" on core 1\n')
    assert_one_line_error(proc, f"{cva}:2:")


def test_missing_annotation_file(tmp_path, models_dir):
    proc = convc(models_dir / "digits_cnn.onnx", "-o", tmp_path / "o", "--annotations", tmp_path / "none.cva")
    assert_one_line_error(proc, f"{tmp_path / 'none.cva'}: cannot read annotation file")


# --------------------------------------------------------------------------------------------
# Constraints that fail


def violation(proc, out, cva, line, *needles):
    msg = assert_one_line_error(proc, f"{cva}:{line}:1: constraint violated: ", *needles)
    report = report_of(out)  # written anyway, with the figures behind the violation
    assert report["constraint_violation"] == msg[len("error: "):]
    assert not (out / "stream.bin").exists()
    return msg, report


def test_latency_budget_too_low(models_dir, tmp_path):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                       "version 1\n# budget\nconstraint latency <= 1000 cycles\n")
    msg, report = violation(proc, out, cva, 3, "latency", "> 1000")
    assert f"{report['passes']['estimated_cycles']} cycles" in msg


def test_per_layer_latency_names_the_layer(models_dir, tmp_path):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                       "version 1\nconstraint latency op Gemm <= 1000 cycles\n")
    msg, report = violation(proc, out, cva, 2, "latency", "'/6/Gemm' (imc.matmul)", "> 1000")
    assert f"takes {rows(report, '/6/Gemm', 'imc.matmul')[0]['estimated_cycles']} cycles" in msg
    assert "/8/Gemm" not in msg  # /8/Gemm is within the bound


def test_memory_constraint_violated(models_dir, tmp_path):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", "version 1\nconstraint memory l2 <= 1 KiB\n")
    msg, report = violation(proc, out, cva, 2, "l2 use", "> 1024")
    assert f"{report['passes']['l2_peak_bytes']} bytes" in msg


def test_never_leaves_core_keeps_the_tensor_in_l1(models_dir, tmp_path):
    saved = tmp_path / "saved.cva"
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                       'version 1\nconstraint never_leaves_core 1 "/2/Conv"\n', "--verify",
                                       "--save-annotations", saved)
    assert proc.returncode == 0, proc.stderr
    report = report_of(out)
    assert report["constraints_checked"] == [f"{cva}:2:1"] and report["verify"]["integer_exact"] is True
    conv = rows(report, "/2/Conv", "imc.conv2d")[0]
    # thetis: core i's 4 MiB of L1 start at 0x10000000 + i * 0x01000000
    assert conv["core"] == 1 and 0x11000000 <= int(conv["addresses"]["out_addr"], 16) < 0x11400000
    assert rows(report, "/4/MaxPool", "dpu.maxpool")[0]["core"] == 1  # its reader follows it
    # The starter file repeats the constraint, so it reproduces the stream.
    assert 'constraint never_leaves_core 1 "/2/Conv" and kind imc.conv2d' in saved.read_text()
    again, again_out, _ = compile_annotated(models_dir, tmp_path, "digits_cnn", saved.read_text(), name="again")
    assert again.returncode == 0, again.stderr
    assert (again_out / "stream.bin").read_bytes() == (out / "stream.bin").read_bytes()


def test_never_leaves_core_violations(models_dir, tmp_path):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                       'version 1\nconstraint never_leaves_core 2 "/8/Gemm" and kind imc.matmul\n',
                                       name="a")
    violation(proc, out, cva, 2, "'/8/Gemm'", "to dram at 0x", "a network output: the host reads it from DRAM")
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                       'version 1\nplace "/4/MaxPool" and kind dpu.maxpool on core 0\n'
                                       'constraint never_leaves_core 1 "/2/Conv"\n', name="b")
    violation(proc, out, cva, 3, "output of layer '/2/Conv'", "read on core 0 by layer '/4/MaxPool'")


def test_max_error_too_tight(models_dir, tmp_path):
    proc, out, cva = compile_annotated(models_dir, tmp_path, "digits_cnn", "version 1\nconstraint max_error <= 1e-6\n")
    msg, report = violation(proc, out, cva, 2, "max abs error", "> 1e-06")
    assert report["verify"]["max_abs_error"] > 1e-6
    assert f"{report['verify']['max_abs_error']:.5g}" in msg


# --------------------------------------------------------------------------------------------
# --save-annotations


@pytest.mark.parametrize("model", ["resnet_mini", "mobilenetv2_mini"])
def test_save_annotations_round_trip(models_dir, tmp_path, model):
    saved = tmp_path / f"{model}.cva"
    first = convc(models_dir / f"{model}.onnx", "--calib", models_dir / f"{model}.calib.npz", "-o", tmp_path / "a",
                  "--save-annotations", saved)
    assert first.returncode == 0, first.stderr
    ann = load(saved)
    assert {r.kind for r in ann.rules} == {"place", "tile"}
    second = convc(models_dir / f"{model}.onnx", "--calib", models_dir / f"{model}.calib.npz", "-o", tmp_path / "b",
                   "--annotations", saved)
    assert second.returncode == 0, second.stderr
    assert warnings_of(second) == []  # every rule matches a layer, every rule can be honoured
    assert (tmp_path / "a" / "stream.bin").read_bytes() == (tmp_path / "b" / "stream.bin").read_bytes()
    report = report_of(tmp_path / "b")
    for row in report["layers"]:
        if row["op"] != "dpu.reshape":  # views follow their producer
            assert re.fullmatch(rf"{re.escape(str(saved))}:\d+", row["decided_by"]["core"]), row
        if row["engine"] == "imc":
            assert re.fullmatch(rf"{re.escape(str(saved))}:\d+", row["decided_by"]["tile"]), row


def test_save_annotations_keeps_annotation_only_decisions(models_dir, tmp_path, repo_root):
    """Precision, resident and no_fuse exist only because a file asked for them: the starter
    file written from such a compile repeats them, so it reproduces the same stream."""
    m = models_dir / "digits_cnn"
    mixed = (repo_root / "examples" / "annotations" / "digits_mixed_precision.cva").read_text()
    cva = tmp_path / "in.cva"
    cva.write_text(mixed + 'resident "/8/Gemm"\nno_fuse "/2/Conv"\n')
    saved = tmp_path / "saved.cva"
    common = [f"{m}.onnx", "--target", "thetis_mp", "--calib", f"{m}.calib.npz"]
    first = convc(*common, "-o", tmp_path / "a", "--annotations", cva, "--save-annotations", saved)
    assert first.returncode == 0, first.stderr
    kinds = {r.kind for r in load(saved).rules}
    assert kinds == {"place", "tile", "precision", "resident", "fuse"}
    second = convc(*common, "-o", tmp_path / "b", "--annotations", saved)
    assert second.returncode == 0, second.stderr
    assert warnings_of(second) == []
    assert (tmp_path / "a" / "stream.bin").read_bytes() == (tmp_path / "b" / "stream.bin").read_bytes()


# --------------------------------------------------------------------------------------------
# Node names as written in the ONNX model


def quoted_name_model(path):
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((8, 8)).astype(np.float32), "w")
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], name='fc "a"'),
             helper.make_node("Relu", ["h"], ["y"], name="act")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_node_name_with_a_quote(tmp_path):
    model = quoted_name_model(tmp_path / "q.onnx")
    cva = tmp_path / "q.cva"
    cva.write_text('version 1\nplace "fc \\"a\\"" and kind imc.matmul on imc core 3\n')
    proc = convc(model, "-o", tmp_path / "o", "--annotations", cva)
    assert proc.returncode == 0, proc.stderr
    assert not any("matches no layer" in w for w in warnings_of(proc)), proc.stderr
    matmul = [r for r in report_of(tmp_path / "o")["layers"] if r["op"] == "imc.matmul"][0]
    assert matmul["core"] == 3 and matmul["decided_by"]["core"] == f"{cva}:2"


def test_input_range_of_unknown_input_warns(models_dir, tmp_path):
    proc, _, cva = compile_annotated(models_dir, tmp_path, "digits_cnn",
                                     'version 1\nopportunity input_range "nope" [-2, 6]\n')
    assert proc.returncode == 0, proc.stderr
    assert any(w.startswith(f"{cva}:2:1: ") and "nope" in w for w in warnings_of(proc)), proc.stderr


# --------------------------------------------------------------------------------------------
# examples/annotations/: each behaves as its comment says


EXAMPLES = {"latency_budget.cva": "resnet_mini", "layer_budget.cva": "resnet_mini",
            "never_in_dram.cva": "resnet_mini", "pin_cores.cva": "resnet_mini",
            "resnet_parallel.cva": "resnet_mini",
            "digits_input_range.cva": "digits_cnn",
            "digits_mixed_precision.cva": "digits_cnn",  # behaviour: test_mixed_precision.py
            "diana_split.cva": "digits_cnn"}  # behaviour: test_analog.py


def example_compile(models_dir, tmp_path, repo_root, name, text=None):
    cva = repo_root / "examples" / "annotations" / name
    if text is not None:
        cva = tmp_path / name
        cva.write_text(text)
    model = EXAMPLES[name]
    out = tmp_path / "out"
    proc = convc(models_dir / f"{model}.onnx", "--calib", models_dir / f"{model}.calib.npz", "-o", out,
                 "--annotations", cva)
    return proc, out, cva


def test_every_example_is_tested(repo_root):
    shipped = sorted(p.name for p in (repo_root / "examples" / "annotations").glob("*.cva"))
    assert shipped == sorted(EXAMPLES)
    for name, model in EXAMPLES.items():  # the comment names the model (never_in_dram.cva: its "/fc/Gemm")
        text = (repo_root / "examples" / "annotations" / name).read_text()
        assert (model if name != "never_in_dram.cva" else "/fc/Gemm") in text, name


def test_example_latency_budget_fails_clearly(models_dir, tmp_path, repo_root):
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "latency_budget.cva")
    msg = assert_one_line_error(proc, f"{cva}:4:1: constraint violated: end-to-end latency ", "> 10000")
    cycles = report_of(out)["passes"]["estimated_cycles"]
    assert cycles > 10000 and f"latency {cycles} cycles (estimated)" in msg


def test_example_layer_budget_holds(models_dir, tmp_path, repo_root):
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "layer_budget.cva")
    assert proc.returncode == 0, proc.stderr
    report = report_of(out)
    assert report["constraints_checked"] == [f"{cva}:{n}:1" for n in (3, 4, 5)]
    assert report["verify"]["max_abs_error"] <= 0.1 and report["passes"]["l2_peak_bytes"] <= 256 * 1024


def test_example_never_in_dram_holds_and_fc_violates(models_dir, tmp_path, repo_root):
    proc, out, cva = example_compile(models_dir, tmp_path / "conv", repo_root, "never_in_dram.cva")
    assert proc.returncode == 0, proc.stderr
    assert report_of(out)["constraints_checked"] == [f"{cva}:5:1"]
    # "constrain "/fc/Gemm" to see the violation": the network output lives in DRAM
    text = (repo_root / "examples" / "annotations" / "never_in_dram.cva").read_text()
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "never_in_dram.cva",
                                     text.replace("never_in_dram op Conv", 'never_in_dram "/fc/Gemm"'))
    msg, report = violation(proc, out, cva, 5, "'/fc/Gemm' (imc.matmul)", "to DRAM at 0x")
    addr = rows(report, "/fc/Gemm", "imc.matmul")[0]["addresses"]["out_addr"]
    assert f"DRAM at {addr}" in msg


def test_example_pin_cores(models_dir, tmp_path, repo_root):
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "pin_cores.cva")
    assert proc.returncode == 0, proc.stderr
    assert warnings_of(proc) == []
    report = report_of(out)
    stem = rows(report, "/features/features.0/Conv", "imc.conv2d")[0]
    assert (stem["core"], stem["decided_by"]["core"]) == (3, f"{cva}:6")
    shortcuts = [r for r in report["layers"] if "short" in r["node"] and r["op"] == "imc.conv2d"]
    assert len(shortcuts) == 2
    assert all((r["core"], r["decided_by"]["core"]) == (2, f"{cva}:9") for r in shortcuts)
    adds = [r for r in report["layers"] if r["op"] == "dpu.add"]
    assert len(adds) == 3 and all((r["core"], r["decided_by"]["core"]) == (0, f"{cva}:12") for r in adds)
    pinned = {r["id"] for r in [stem, *shortcuts, *adds]}
    assert all(r["decided_by"]["core"] == "heuristic" for r in report["layers"] if r["id"] not in pinned)


def test_example_digits_input_range(models_dir, tmp_path, repo_root):
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "digits_input_range.cva")
    assert proc.returncode == 0, proc.stderr
    assert warnings_of(proc) == [f"{cva}:7:1: reduced_precision opportunity not exploited: thetis executes int8 weights only"]
    (x,) = Stream.decode((out / "stream.bin").read_bytes()).inputs
    assert math.isclose(x.scale, 1 / 255, rel_tol=1e-12) and x.zero_point == -128


def test_example_resnet_parallel(models_dir, tmp_path, repo_root):
    (tmp_path / "base").mkdir()
    base, base_out, _ = example_compile(models_dir, tmp_path / "base", repo_root, "resnet_parallel.cva", "version 1\n")
    assert base.returncode == 0, base.stderr
    proc, out, cva = example_compile(models_dir, tmp_path, repo_root, "resnet_parallel.cva")
    assert proc.returncode == 0, proc.stderr
    report = report_of(out)
    stem = rows(report, "/features/features.0/Conv", "imc.conv2d")
    assert len({r["core"] for r in stem}) == 4 and all(r["decided_by"]["replicate"] == f"{cva}:5" for r in stem)
    assert len(rows(report, "/features/features.6/body/body.3/Conv", "imc.conv2d")) == 1
    chosen = [r for r in report["layers"] if r.get("decided_by", {}).get("replicate") == f"{cva}:13"]
    assert chosen, "the opportunity replicated no layer"
    assert report["passes"]["estimated_cycles"] < report_of(base_out)["passes"]["estimated_cycles"]

