"""The replicate directive and the parallelism opportunity end to end: copies of a layer run on
different cores, the report says where each came from, the stream stays bit-exact against the
integer reference on the runtime, and the starter file pins the decision."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from helpers import assert_one_line_error, compile_with, compiler_for, convc, layer

FIRST_CONV = "/features/features.0/Conv"


@pytest.fixture(scope="module")
def resnet(models_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replicate")
    m = models_dir / "resnet_mini"
    return compiler_for(tmp, f"{m}.onnx", f"{m}.calib.npz")


def copies_of(report, node):
    return [r for r in report["layers"] if r["node"] == node and "replica" in r]


def test_replicate_rule_splits_rows_over_distinct_cores(resnet):
    base, _, _ = resnet("", "base")
    report, stream, cva = resnet(f'version 1\nreplicate "{FIRST_CONV}" cores 3\n', "three")
    assert report["verify"]["integer_exact"] is True
    copies = copies_of(report, FIRST_CONV)
    assert [c["replica"] for c in copies] == ["1/3", "2/3", "3/3"]
    assert len({c["core"] for c in copies}) == 3
    assert all(c["decided_by"]["replicate"] == f"{cva}:2" for c in copies)
    # 32 output rows in bands of 11: the last band runs one row into padding, cropped.
    assert [c["shape"] for c in copies] == [[1, 11, 32, 16]] * 3
    joins = [r["shape"] for r in report["layers"] if r["node"] == f"{FIRST_CONV}#replicas" and r["op"] == "dpu.concat"]
    assert joins == [[1, 22, 32, 16], [1, 33, 32, 16]]  # a chain of binary concats
    # Each copy programs its own array from the same weights, stored once: no more DRAM, less time.
    assert report["passes"]["dram_bytes"] == base["passes"]["dram_bytes"]
    assert report["passes"]["estimated_cycles"] < base["passes"]["estimated_cycles"]
    assert report["passes"]["replica_copies"] == 3


def test_parallelism_opportunity_shortens_the_schedule(resnet):
    base, _, _ = resnet("", "base")
    report, _, cva = resnet("version 1\nopportunity parallelism all\n", "parallel")
    assert report["verify"]["integer_exact"] is True
    assert report["passes"]["replica_copies"] > 0
    assert report["passes"]["estimated_cycles"] < base["passes"]["estimated_cycles"]
    sources = {c["decided_by"]["replicate"] for c in report["layers"] if "replica" in c}
    assert sources == {f"{cva}:2"}


def test_starter_file_pins_replication_byte_identically(models_dir, tmp_path):
    m = models_dir / "resnet_mini"
    cva = tmp_path / "in.cva"
    cva.write_text(f'version 1\nreplicate "{FIRST_CONV}" cores 2\nopportunity parallelism "/fc/Gemm"\n')
    saved = tmp_path / "saved.cva"
    common = [f"{m}.onnx", "--calib", f"{m}.calib.npz"]
    first = convc(*common, "-o", tmp_path / "a", "--annotations", cva, "--save-annotations", saved)
    assert first.returncode == 0, first.stderr
    text = saved.read_text()
    assert f'replicate "{FIRST_CONV}" and kind imc.conv2d cores 2' in text
    second = convc(*common, "-o", tmp_path / "b", "--annotations", saved)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "a" / "stream.bin").read_bytes() == (tmp_path / "b" / "stream.bin").read_bytes()


def batch_conv(path):
    """x[2,4,6,6] -> 3x3 Conv (8 channels): a batch of two splits along the batch axis."""
    rng = np.random.default_rng(5)
    w = numpy_helper.from_array(rng.standard_normal((8, 4, 3, 3)).astype(np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8, 6, 6])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10
    onnx.save(model, str(path))
    calib = path.with_suffix(".calib.npz")
    np.savez(calib, x=rng.standard_normal((8, 4, 6, 6)).astype(np.float32))
    return path, calib


def test_batch_axis_split_is_bit_exact(tmp_path):
    model, calib = batch_conv(tmp_path / "batch.onnx")
    report, _, _ = compile_with(tmp_path, model, calib, 'version 1\nreplicate "conv" cores 2\n', "batch")
    assert report["verify"]["integer_exact"] is True
    # The frontend's NCHW->NHWC transpose feeds the conv: copies take one image each.
    assert [c["shape"] for c in copies_of(report, "conv")] == [[1, 6, 6, 8]] * 2


def test_rules_the_target_cannot_honour(models_dir, tmp_path):
    m = models_dir / "resnet_mini"
    cva = tmp_path / "many.cva"
    cva.write_text(f'version 1\nreplicate "{FIRST_CONV}" cores 6\n')
    common = [f"{m}.onnx", "--calib", f"{m}.calib.npz", "--annotations", cva]
    proc = convc(*common, "-o", tmp_path / "x")
    assert_one_line_error(proc, f"{cva}:2:1", "thetis has 4 cores, fewer than 6 copies")
    relaxed = convc(*common, "-o", tmp_path / "y", "--relax")
    assert relaxed.returncode == 0, relaxed.stderr
    assert "using one copy of the layer (--relax)" in relaxed.stderr


def test_calibration_rows_group_by_the_models_batch(tmp_path):
    from convc.errors import ConvcError
    from convc.driver.pipeline import load_calibration
    np.savez(tmp_path / "six.npz", x=np.zeros((6, 4), np.float32))
    samples = load_calibration(tmp_path / "six.npz", {"x": [2, 4]})
    assert [s[0].shape for s in samples] == [(2, 4)] * 3
    np.savez(tmp_path / "five.npz", x=np.zeros((5, 4), np.float32))
    with pytest.raises(ConvcError, match="5 rows, not a multiple of the model's batch 2"):
        load_calibration(tmp_path / "five.npz", {"x": [2, 4]})
