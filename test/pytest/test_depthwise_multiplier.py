"""Depthwise convolutions with a channel multiplier > 1 (issue 9): rewritten before import into a
0/1 channel-repeating 1x1 convolution and a depthwise convolution with multiplier 1
(frontend/depthwise.py); bit-exact, close to onnxruntime, at batch 1 and 2."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(51)


@pytest.mark.parametrize("batch, channels, multiplier, stride", [(1, 4, 2, 1), (2, 3, 3, 2)])
def test_depthwise_with_multiplier_is_exact(tmp_path, batch, channels, multiplier, stride):
    out_c, h = channels * multiplier, 9
    o = (h + 2 - 3) // stride + 1
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["a"], name="dw", group=channels, pads=[1, 1, 1, 1],
                              strides=[stride, stride]),
             helper.make_node("Relu", ["a"], ["y"], name="relu")]
    inits = [numpy_helper.from_array(RNG.standard_normal((out_c, 1, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(RNG.standard_normal(out_c).astype(np.float32) * 0.1, "b")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, channels, h, h])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, out_c, o, o])], inits)
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16 * batch, channels, h, h)).astype(np.float32))
    compiled = compile_model(path, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    dwconvs = sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_DWCONV)
    assert dwconvs == batch  # one depthwise command per image, on the repeated channels
    result = verify(compiled, path, [[RNG.standard_normal((batch, channels, h, h)).astype(np.float32)]
                                     for _ in range(3)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.995, result
