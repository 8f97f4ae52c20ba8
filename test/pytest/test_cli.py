"""The `convc` command line: outputs, reports, and one-line errors for user mistakes."""

import json

import numpy as np
import pytest

from helpers import assert_one_line_error, convc, save, tiny_model

@pytest.fixture(scope="module")
def digits_out(models_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    proc = convc(models_dir / "digits_cnn.onnx", "--target", "thetis", "-o", out,
                 "--calib", models_dir / "digits_cnn.calib.npz", "--verify", "--dump-after", "convc-tile")
    assert proc.returncode == 0, proc.stderr
    return out


def test_compile_writes_everything(digits_out):
    for name in ("stream.bin", "stream.txt", "target.toml", "report.json", "report.txt", "ir/15-convc-tile.mlir"):
        assert (digits_out / name).is_file(), name
    report = json.loads((digits_out / "report.json").read_text())
    assert report["compile_seconds"] > 0
    assert {"engine", "core", "precision", "addresses", "estimated_cycles", "node"} <= set(report["layers"][0])
    v = report["verify"]
    assert set(v) >= {"integer_exact", "cosine", "max_abs_error", "top1_agreement", "samples"}
    assert v["integer_exact"] is True and v["cosine"] >= 0.99
    assert '"imc.conv2d"' in (digits_out / "ir/15-convc-tile.mlir").read_text()


def test_run_batch(digits_out, models_dir, tmp_path):
    x = np.load(models_dir / "digits_cnn.test.npz")["x"][:5]
    np.save(tmp_path / "x.npy", x)
    proc = convc("run", digits_out, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert proc.returncode == 0, proc.stderr
    assert np.load(tmp_path / "y.npy").shape == (5, 10)


def test_help_explains():
    proc = convc("--help")
    assert proc.returncode == 0 and "--calib" in proc.stdout and "convc run" in proc.stdout


def test_not_onnx(tmp_path):
    bad = tmp_path / "notes.onnx"
    bad.write_text("hello")
    assert_one_line_error(convc(bad, "-o", tmp_path / "o"), "not an ONNX model")


def test_unsupported_op(tmp_path):
    path = save(tiny_model("Hardmax", name="probs"), tmp_path / "m.onnx")
    assert_one_line_error(convc(path, "-o", tmp_path / "o"), "'probs'", "Hardmax")


def test_layer_too_big_for_memory(tmp_path, repo_root):
    small = (repo_root / "convc" / "targets" / "thetis.toml").read_text().replace("size = 4194304", "size = 2048")
    target = tmp_path / "tiny_l1.toml"
    target.write_text(small)
    path = save(tiny_model("Relu", shape=(1, 256)), tmp_path / "m.onnx")
    proc = convc(path, "--target", target, "-o", tmp_path / "o", "--dump-after", "convc-lower-to-engines")
    assert_one_line_error(proc, "'fc'", "bytes of L1")
    # The IR asked for before the failing pass is written all the same: it is what to look at.
    dumped = list((tmp_path / "o" / "ir").glob("*-convc-lower-to-engines.mlir"))
    assert len(dumped) == 1 and "imc.matmul" in dumped[0].read_text()
    assert not (tmp_path / "o" / "stream.bin").exists()


def test_unknown_target(tmp_path):
    path = save(tiny_model("Relu"), tmp_path / "m.onnx")
    assert_one_line_error(convc(path, "--target", "atlantis", "-o", tmp_path / "o"), "unknown target")


def test_missing_calib_warns(tmp_path):
    path = save(tiny_model("Relu"), tmp_path / "m.onnx")
    proc = convc(path, "-o", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert "warning: no --calib" in proc.stderr


def test_tampered_stream_is_rejected(digits_out, tmp_path, models_dir):
    import shutil
    out = tmp_path / "tampered"
    shutil.copytree(digits_out, out)
    blob = bytearray((out / "stream.bin").read_bytes())
    blob[len(blob) // 2] ^= 0x40
    (out / "stream.bin").write_bytes(bytes(blob))
    x = tmp_path / "x.npy"
    np.save(x, np.load(models_dir / "digits_cnn.test.npz")["x"][:1])
    assert_one_line_error(convc("run", out, "--input", x, "-o", tmp_path / "y.npy"), "CRC")


def test_identical_inputs_identical_stream(models_dir, tmp_path):
    outs = []
    for i in range(2):
        out = tmp_path / f"o{i}"
        assert convc(models_dir / "mlp.onnx", "-o", out, "--calib", models_dir / "mlp.calib.npz").returncode == 0
        outs.append((out / "stream.bin").read_bytes())
    assert outs[0] == outs[1]
