"""Softmax (issue 9): torch-mlir's reduce_max/sub/exp/reduce_sum/reciprocal/mul chain becomes one
dpu.softmax (DPU_SOFTMAX, HOST_SOFTMAX; format 1.6) with an integer algorithm: the exponential
of max - x as a 2^16-scaled table, an integer sum and one rounding division per element."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(11)


def gemm_softmax(path, batch, features, classes, extra=()):
    """x [batch, features] -> Gemm -> Softmax over the classes (a classifier's output)."""
    w = (RNG.standard_normal((classes, features)) * (2.0 / np.sqrt(features))).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["logits"], name="fc", transB=1),
             helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=-1), *extra]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(RNG.standard_normal(classes).astype(np.float32), "b")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, features])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, classes])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def count(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


@pytest.mark.parametrize("batch, features, classes", [(1, 64, 10), (2, 48, 7), (1, 256, 1000)])
def test_softmax_is_exact_and_close(tmp_path, batch, features, classes):
    model = gemm_softmax(tmp_path / "m.onnx", batch, features, classes)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16 * batch, features)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert count(compiled.stream, Op.DPU_SOFTMAX) == 1
    for leftover in (Op.DPU_LUT, Op.DPU_MUL, Op.DPU_ADD):  # nothing of the chain is left
        assert count(compiled.stream, leftover) == 0, leftover
    result = verify(compiled, model, [[RNG.standard_normal((batch, features)).astype(np.float32)] for _ in range(4)])
    assert result["integer_exact"] is True, result
    # Probabilities within a few output codes of onnxruntime's. (Top-1 is not asserted: two
    # classes 0.014 apart can land on one int8 logit or probability code and tie.)
    assert result["cosine"] >= 0.99 and result["max_abs_error"] <= 0.02, result


def test_host_runs_the_softmax_where_the_dpu_lacks_it(tmp_path, repo_root):
    model = gemm_softmax(tmp_path / "m.onnx", 1, 32, 10)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 32)).astype(np.float32))
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has no `softmax`
    compiled = compile_model(model, target, calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert count(compiled.stream, Op.HOST_SOFTMAX) == 1 and count(compiled.stream, Op.DPU_SOFTMAX) == 0
    result = verify(compiled, model, [[RNG.standard_normal((1, 32)).astype(np.float32)]])
    assert result["integer_exact"] is True, result


def test_softmax_over_channels_of_a_feature_map_is_refused(tmp_path):
    """Axis 1 of an NCHW map is not innermost: its elements are H*W apart."""
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["a"], name="conv"),
         helper.make_node("Softmax", ["a"], ["y"], name="channel_softmax", axis=1)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 5, 5])],
        [numpy_helper.from_array(RNG.standard_normal((4, 4, 1, 1)).astype(np.float32), "w")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    with pytest.raises(UnsupportedOpError, match=r"node 'channel_softmax' .*softmax over axis 1 of a \[1, 4, 5, 5\] "
                                                 r"tensor is not supported \(only the innermost axis"):
        compile_model(path, resolve("thetis"), warn=lambda m: None)
