"""What a new user hits (issue 16): one-line errors instead of tracebacks, errors in the model's
terms, no silent mistakes. Each test is a regression test for one item of the issue."""

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from helpers import assert_one_line_error, convc, save, tiny_model as _tiny


def tiny_model():
    model = _tiny()
    model.ir_version = 8  # what onnxruntime reads (onnx's newest IR is beyond it)
    return model


def conv_model(path, weight_as_input=False, name="conv"):
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])]
    if weight_as_input:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [4, 3, 3, 3]))
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name=name, pads=[1, 1, 1, 1])], "g", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])],
                              [] if weight_as_input else [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def test_nan_in_calibration_is_refused_before_compiling(tmp_path):
    model = save(tiny_model(), tmp_path / "m.onnx")
    x = np.ones((8, 4), np.float32)
    x[3, 1] = np.nan
    np.savez(tmp_path / "c.npz", x=x)
    proc = convc(model, "--calib", tmp_path / "c.npz", "-o", tmp_path / "out")
    assert_one_line_error(proc, "c.npz: array 'x' holds 1 NaN or infinite value(s)")
    assert not (tmp_path / "out" / "stream.bin").exists()


def test_calibration_arrays_that_match_no_input_are_refused(tmp_path):
    model = save(tiny_model(), tmp_path / "m.onnx")
    np.savez(tmp_path / "c.npz", x=np.ones((8, 4), np.float32), z=np.ones((8, 4), np.float32))
    proc = convc(model, "--calib", tmp_path / "c.npz", "-o", tmp_path / "out")
    assert_one_line_error(proc, "c.npz: array(s) z match no model input (inputs: x")


def test_integer_model_inputs_are_refused_in_the_models_terms(tmp_path):
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.INT8, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.INT8, [1, 4])])
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(model))
    proc = convc(model, "--verify", "-o", tmp_path / "out")
    assert_one_line_error(proc, "input 'x' is int8; convc compiles models with float inputs")


def test_conv_weights_fed_at_run_time_are_refused(tmp_path):
    proc = convc(conv_model(tmp_path / "m.onnx", weight_as_input=True), "-o", tmp_path / "out")
    assert_one_line_error(proc, "node 'conv' (Conv): its weights 'w' are computed or fed at run time, not a constant")


def test_every_unsupported_node_is_listed(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], name="fc"),
             helper.make_node("Cos", ["h"], ["a"], name="cos_1"), helper.make_node("Sin", ["a"], ["b"], name="sin_1"),
             helper.make_node("Cos", ["b"], ["y"], name="cos_2")]
    w = numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(model))
    proc = convc(model, "-o", tmp_path / "out")
    assert_one_line_error(proc, "node 'cos_1' has op Cos", "unsupported nodes: Cos x2 ('cos_1', 'cos_2'); Sin x1 ('sin_1')")


def test_verify_inputs_imply_verify(tmp_path):
    model = save(tiny_model(), tmp_path / "m.onnx")
    np.savez(tmp_path / "v.npz", x=np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32))
    proc = convc(model, "--verify-inputs", tmp_path / "v.npz", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text())["verify"]["samples"] == 4
    np.savez(tmp_path / "bad.npz", x=np.ones((4, 5), np.float32))  # the wrong shape is no longer ignored
    assert_one_line_error(convc(model, "--verify-inputs", tmp_path / "bad.npz", "-o", tmp_path / "out2"),
                          "bad.npz: array 'x' has shape [4, 5], expected [N, 4]")


def test_run_refuses_an_output_path_it_would_rename(tmp_path):
    model = save(tiny_model(), tmp_path / "m.onnx")
    assert convc(model, "-o", tmp_path / "out").returncode == 0
    np.save(tmp_path / "x.npy", np.ones((2, 4), np.float32))
    proc = convc("run", tmp_path / "out", "--input", tmp_path / "x.npy", "-o", tmp_path / "y.txt")
    assert_one_line_error(proc, "-o ", "y.txt: give a .npy (one output) or .npz path")
    assert not list(tmp_path.glob("y.txt*"))


def test_top1_is_only_reported_for_class_scores(tmp_path):
    model = conv_model(tmp_path / "m.onnx")
    proc = convc(model, "--verify", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "top1_agreement=n/a (the output is not [batch, classes] scores)" in proc.stdout
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    assert v["top1_agreement"] is None and "shape [1, 4, 6, 6]" in v["top1_note"]


def test_report_shows_whole_node_names_and_rules_suggest_them(tmp_path):
    name = "/backbone/stage3/block2/conv_expand/Conv_with_a_long_name"
    model = conv_model(tmp_path / "m.onnx", name=name)
    cva = tmp_path / "map.cva"
    cva.write_text(f'version 1\nplace "{name[:36]}" on core 0\n')  # pasted from a truncated column
    proc = convc(model, "-o", tmp_path / "out", "--annotations", cva)
    assert proc.returncode == 0, proc.stderr
    assert name in (tmp_path / "out" / "report.txt").read_text()
    assert f"place rule matches no layer (did you mean '{name}'?)" in proc.stderr


def test_an_old_opset_is_converted(tmp_path):
    """Opset 9 (BatchNormalization with its old attributes): onnx's version converter brings it
    to opset 17 before import, instead of a torch-mlir dump."""
    rng = np.random.default_rng(2)
    c = 4
    inits = [numpy_helper.from_array(rng.standard_normal((c, 3, 3, 3)).astype(np.float32), "w")]
    inits += [numpy_helper.from_array(v.astype(np.float32), n) for n, v in
              (("s", rng.uniform(0.5, 1.5, c)), ("b", rng.standard_normal(c)), ("m", rng.standard_normal(c)),
               ("v", rng.uniform(0.5, 2, c)))]
    nodes = [helper.make_node("Conv", ["x", "w"], ["h"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["h", "s", "b", "m", "v"], ["n"], name="bn"),
             helper.make_node("Relu", ["n"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, 6, 6])], inits)
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)], ir_version=4), str(model))
    proc = convc(model, "--verify", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    assert v["integer_exact"] is True and v["cosine"] >= 0.99, v


def test_an_input_bigger_than_the_targets_memory_is_refused_before_allocating(tmp_path):
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 2 ** 31])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 2 ** 31])])
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(model))
    proc = convc(model, "-o", tmp_path / "out")
    assert_one_line_error(proc, "input 'x' of shape [1, 1, 1, 2147483648] has 2147483648 elements",
                          "exceed thetis's DRAM (268435456 bytes)")


def test_dumps_replay_in_convc_opt(models_dir, tmp_path):
    import subprocess
    import sys
    out = tmp_path / "out"
    proc = convc(models_dir / "digits_cnn.onnx", "--calib", models_dir / "digits_cnn.calib.npz", "-o", out,
                 "--dump-after", "convc-quantize")
    assert proc.returncode == 0, proc.stderr
    dump = next((out / "ir").glob("*-convc-quantize.mlir"))
    opt = [sys.executable, "-m", "convc.driver.opt"]
    replay = subprocess.run([*opt, dump, "--pass", "convc-lower-to-engines"], capture_output=True, text=True)
    assert replay.returncode == 0, replay.stderr
    assert '"imc.conv2d"' in replay.stdout
    elided = tmp_path / "elided.mlir"
    printed = subprocess.run([*opt, dump, "--elide", "16"], capture_output=True, text=True).stdout
    elided.write_text(printed)
    again = subprocess.run([*opt, elided, "--pass", "convc-lower-to-engines"], capture_output=True, text=True)
    assert_one_line_error(again, "elided.mlir: its large constants were elided")


def test_asymmetric_conv_padding_compiles(tmp_path):
    """TF-style "same" pads (end > begin), as issue 16 reported failing: they compile and verify."""
    w = numpy_helper.from_array(np.random.default_rng(3).standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="Conv_0", pads=[0, 0, 1, 1],
                                                strides=[2, 2])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4, 4, 4])], [w])
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(model))
    proc = convc(model, "--verify", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    assert v["integer_exact"] is True and v["cosine"] >= 0.99, v


def test_a_batch_of_constant_weight_matrices_is_named(tmp_path):
    w = numpy_helper.from_array(np.random.default_rng(4).standard_normal((2, 4, 5)).astype(np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 5])], [w])
    model = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(model))
    assert_one_line_error(convc(model, "-o", tmp_path / "out"),
                          "node 'mm' (tosa.matmul): MatMul with a batch of 2 constant weight matrices (2x4x5)")



def test_a_renamed_calibration_array_is_said(tmp_path):
    model = save(tiny_model(), tmp_path / "m.onnx")
    np.savez(tmp_path / "c.npz", images=np.ones((8, 4), np.float32))
    proc = convc(model, "--calib", tmp_path / "c.npz", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "c.npz: using its only array 'images' as input 'x'" in proc.stderr


def test_compile_from_a_dump_restarts_the_pipeline(models_dir, tmp_path):
    """--compile-from PASS FILE: a dump (here after convc-allocate-cores, with one layer moved
    to another core by hand) continues through the later passes into a stream that verifies;
    an unknown pass or a file that does not parse is one error line."""
    model, calib = models_dir / "digits_cnn.onnx", models_dir / "digits_cnn.calib.npz"
    first = tmp_path / "first"
    proc = convc(model, "--calib", calib, "-o", first, "--dump-after", "convc-allocate-cores")
    assert proc.returncode == 0, proc.stderr
    dump = next((first / "ir").glob("*-convc-allocate-cores.mlir"))
    text = dump.read_text()
    placed = json.loads((first / "report.json").read_text())["layers"]
    conv = next(row for row in placed if row["op"] == "imc.conv2d")
    moved = (conv["core"] + 1) % 4
    marker = f"convc.core = {conv['core']} : i64, convc.engine = \"imc\", convc.id = {conv['id']} : i64"
    assert marker in text
    edited = tmp_path / "edited.mlir"
    edited.write_text(text.replace(marker, marker.replace(f"convc.core = {conv['core']}", f"convc.core = {moved}")))
    again = tmp_path / "again"
    proc = convc(model, "--calib", calib, "-o", again, "--compile-from", "convc-allocate-cores", edited, "--verify")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((again / "report.json").read_text())
    assert report["verify"]["integer_exact"] is True
    assert next(r for r in report["layers"] if r["id"] == conv["id"])["core"] == moved
    bad = convc(model, "--calib", calib, "-o", tmp_path / "x", "--compile-from", "convc-tyle", edited)
    assert_one_line_error(bad, "--compile-from: unknown pass 'convc-tyle'")
    broken = tmp_path / "broken.mlir"
    broken.write_text(text[: len(text) // 2])
    bad = convc(model, "--calib", calib, "-o", tmp_path / "y", "--compile-from", "convc-allocate-cores", broken)
    assert_one_line_error(bad, "--compile-from: ", "broken.mlir")


def test_version_names_the_stream_format():
    from convc.runtime.stream import VERSION_MAJOR, VERSION_MINOR
    proc = convc("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"convc 0.1.0 (command stream format {VERSION_MAJOR}.{VERSION_MINOR}; torch-mlir "), \
        proc.stdout


def test_setup_names_the_python_it_needs(tmp_path, repo_root):
    """tools/setup.sh on a machine whose python3 is not 3.11 stops in one line that says how to
    pick one, before pip spends minutes failing (run on a copy without .venv)."""
    import shutil
    import subprocess
    (tmp_path / "tools").mkdir()
    shutil.copy(repo_root / "tools" / "setup.sh", tmp_path / "tools" / "setup.sh")
    fake = tmp_path / "python3.12"
    fake.write_text('#!/bin/sh\ncase "$2" in *version_info*) exit 1;; *platform*) echo 3.12.1;; esac\n')
    fake.chmod(0o755)
    proc = subprocess.run(["bash", tmp_path / "tools" / "setup.sh"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": str(fake)})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"setup: {fake} is Python 3.12.1; convc needs 3.11: run PYTHON=python3.11 bash tools/setup.sh"]
    assert not (tmp_path / ".venv").exists()
