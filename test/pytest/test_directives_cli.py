"""resident, fuse/no_fuse and the sparsity opportunity through the `convc` CLI: each is honoured,
reported with its source, changes the stream the way it says, and the stream stays bit-exact
against the integer reference on the runtime (--verify)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.runtime import Op
from helpers import commands, compile_with, compiler_for, convc, layer


@pytest.fixture(scope="module")
def digits(models_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("directives")
    m = models_dir / "digits_cnn"
    return compiler_for(tmp, f"{m}.onnx", f"{m}.calib.npz")


def test_resident_weights_live_in_l2_and_cost_less(digits):
    base, base_stream, _ = digits("", "base")
    report, stream, cva = digits('version 1\nresident "/6/Gemm"\n', "resident")
    assert report["verify"]["integer_exact"] is True
    gemm = layer(report, "/6/Gemm", "imc.matmul")
    assert gemm["decided_by"]["resident"] == f"{cva}:2"
    assert gemm["addresses"]["const_weights"] == "0x20000000"  # bottom of thetis' L2
    assert any(0x20000000 <= seg.addr < 0x22000000 and seg.data for seg in stream.data)
    assert report["passes"]["l2_resident_bytes"] >= 512 * 64
    assert report["passes"]["dram_bytes"] < base["passes"]["dram_bytes"] - 512 * 64 + 1
    assert report["passes"]["estimated_cycles"] < base["passes"]["estimated_cycles"]


def test_no_fuse_splits_the_activation_off(digits):
    base, base_stream, _ = digits("", "base")
    report, stream, cva = digits('version 1\nno_fuse "/0/Conv"\n', "nofuse")
    assert report["verify"]["integer_exact"] is True
    conv = layer(report, "/0/Conv", "imc.conv2d")
    assert conv["decided_by"]["fusion"] == f"{cva}:2"
    relu = [r for r in report["layers"] if r["node"] == "/1/Relu"]
    assert [r["op"] for r in relu] == ["dpu.rescale"]
    assert not any(r["node"] == "/1/Relu" for r in base["layers"])
    assert commands(stream, Op.DPU_RESCALE) == commands(base_stream, Op.DPU_RESCALE) + 1


def block_sparse_mlp(path, ir_version=10):
    """x[1,64] -> fc1 (64x64, rows 32-63 zero, columns 32-63 zero) -> ReLU -> fc2 (64x10)."""
    rng = np.random.default_rng(3)
    w1 = rng.standard_normal((64, 64)).astype(np.float32)
    w1[32:, :] = 0
    w1[:, 32:] = 0
    w2 = rng.standard_normal((64, 10)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w1"], ["h"], name="fc1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2"], ["y"], name="fc2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
                              [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = ir_version
    onnx.save(model, str(path))
    calib = path.with_suffix(".calib.npz")
    np.savez(calib, x=rng.standard_normal((16, 64)).astype(np.float32))
    return path, calib


def test_sparsity_skips_zero_tiles_bit_exactly(tmp_path):
    model, calib = block_sparse_mlp(tmp_path / "sparse.onnx")
    tiles = 'version 1\ntile "fc1" rows 32 cols 32\n'
    dense, dense_stream, _ = compile_with(tmp_path, model, calib, tiles, "dense")
    report, stream, cva = compile_with(tmp_path, model, calib, tiles + 'opportunity sparsity "fc1"\n', "sparse")
    assert report["verify"]["integer_exact"] is True and report["verify"]["cosine"] > 0.99
    fc1 = layer(report, "fc1", "imc.matmul")
    # 2x2 tiles: (rows 32-63, cols 0-31) is zero and skipped; column tile 1 is all zero and
    # keeps one tile to write its accumulators.
    assert fc1["skipped_zero_tiles"] == 2 and fc1["decided_by"]["sparsity"] == f"{cva}:3"
    assert commands(stream, Op.IMC_MVM) == commands(dense_stream, Op.IMC_MVM) - 2
    assert commands(stream, Op.IMC_PROGRAM) == commands(dense_stream, Op.IMC_PROGRAM) - 2
    assert report["passes"]["estimated_cycles"] < dense["passes"]["estimated_cycles"]


def test_verify_reads_a_model_saved_with_a_newer_ir_version(tmp_path):
    # Regression: onnx 1.23 writes IR version 14 by default, which onnxruntime 1.31 refuses;
    # --verify used to end in its traceback, then in a one-line error; now it retries the model
    # at the IR version onnxruntime reads (verify._session) and compares.
    model, calib = block_sparse_mlp(tmp_path / "ir14.onnx", ir_version=14)
    proc = convc(model, "--calib", calib, "-o", tmp_path / "o", "--verify")
    assert proc.returncode == 0, proc.stderr
    assert "integer_exact=True" in proc.stdout
