"""ReduceMean over H and W (issue 9): x.mean((2, 3)) as PyTorch exports it becomes a layout
transpose and one DPU average pool, bit-exact, at batch 1 and 2, keepdims either way; a mean
over other axes is refused naming the node."""

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

RNG = np.random.default_rng(21)


def conv_mean(path, batch, axes, keepdims, hw=(7, 5)):
    h, w = hw
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("ReduceMean", ["r"], ["y"], name="mean", axes=axes, keepdims=keepdims)]
    out = [batch, 8, h, w]
    for a in sorted(axes, reverse=True):
        if keepdims:
            out[a] = 1
        else:
            del out[a]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, h, w])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)],
                              [numpy_helper.from_array((RNG.standard_normal((8, 3, 3, 3)) * 0.4).astype(np.float32), "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch, keepdims", [(1, 1), (2, 0), (1, 0)])
def test_spatial_mean_is_an_exact_average_pool(tmp_path, batch, keepdims):
    model = conv_mean(tmp_path / "m.onnx", batch, [2, 3], keepdims)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((8 * batch, 3, 7, 5)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    pools = sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_AVGPOOL)
    assert pools == batch  # one window over each whole image
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, 7, 5)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.995, result


def test_mean_over_channels_is_refused(tmp_path):
    model = conv_mean(tmp_path / "m.onnx", 1, [1], 1)
    with pytest.raises(UnsupportedOpError, match=r"node 'mean' \(tosa.reduce_sum\): a reduction is supported only "
                                                 r"as a mean over H and W") as info:
        compile_model(model, resolve("thetis"), warn=lambda m: None)
    assert "\n" not in str(info.value)
