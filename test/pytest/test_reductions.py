"""Reductions (issue 9): ReduceMean, ReduceSum and ReduceMax over any axes become DPU pools over
a view of the tensor (passes/reductions.py), one per run of adjacent axes, bit-exact, at batch
1 and 2, keepdims either way; x.mean((2, 3)) as PyTorch exports it is one average pool."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(21)


def conv_reduce(path, batch, axes, keepdims, hw=(7, 5), op="ReduceMean"):
    h, w = hw
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             # at opset 17 ReduceSum takes its axes as an input, the others as an attribute
             helper.make_node(op, ["r", "axes"], ["y"], name="reduce", keepdims=keepdims) if op == "ReduceSum" else
             helper.make_node(op, ["r"], ["y"], name="reduce", axes=axes, keepdims=keepdims)]
    out = [batch, 8, h, w]
    for a in sorted(axes, reverse=True):
        if keepdims:
            out[a] = 1
        else:
            del out[a]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, h, w])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)],
                              [numpy_helper.from_array((RNG.standard_normal((8, 3, 3, 3)) * 0.4).astype(np.float32), "w"),
                               numpy_helper.from_array(np.asarray(axes, np.int64), "axes")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch, keepdims", [(1, 1), (2, 0), (1, 0)])
def test_spatial_mean_is_an_exact_average_pool(tmp_path, batch, keepdims):
    model = conv_reduce(tmp_path / "m.onnx", batch, [2, 3], keepdims)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((8 * batch, 3, 7, 5)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    pools = sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_AVGPOOL)
    assert pools == 1  # one window per image and channel, all in one command
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, 7, 5)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.995, result


@pytest.mark.parametrize("op, axes, keepdims, batch, hw, command, pools", [
    ("ReduceMean", [1], 1, 1, (7, 5), Op.DPU_AVGPOOL, 1),      # over the channels
    ("ReduceMean", [3], 0, 2, (6, 9), Op.DPU_AVGPOOL, 1),      # the innermost axis, batch 2
    ("ReduceSum", [1, 2], 1, 1, (5, 3), Op.DPU_AVGPOOL, 1),    # two adjacent axes: one pool
    ("ReduceSum", [-1], 0, 2, (3, 11), Op.DPU_AVGPOOL, 1),
    ("ReduceMax", [2, 3], 1, 2, (7, 5), Op.DPU_MAXPOOL, 1),
    # keepdims=0: torch-mlir reshapes between the two reduce_max, so two pools (still exact)
    ("ReduceMax", [2, 3], 0, 2, (7, 5), Op.DPU_MAXPOOL, 2),
    ("ReduceMax", [1], 1, 1, (4, 4), Op.DPU_MAXPOOL, 1),
])
def test_reductions_over_any_axes_are_exact(tmp_path, op, axes, keepdims, batch, hw, command, pools):
    model = conv_reduce(tmp_path / "m.onnx", batch, axes, keepdims, hw, op)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((8 * batch, 3, *hw)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert sum(1 for q in compiled.stream.queues.values() for c in q if c.op is command) == pools
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, *hw)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result


def test_axes_that_are_not_adjacent_make_two_pools(tmp_path):
    model = conv_reduce(tmp_path / "m.onnx", 2, [0, 2], 1, (5, 4), "ReduceMax")
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 3, 5, 4)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_MAXPOOL) == 2
    result = verify(compiled, model, [[RNG.standard_normal((2, 3, 5, 4)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
