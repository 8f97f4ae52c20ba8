"""Batch > 1 (issue 9's first bugs, regression tests): windowed layers see one image per
command, so a convolution's patch rows, and depthwise convolutions and pools, are emitted per
image. Before, a batch-2 convolution gave a stream the runtime rejected (`DPU_IM2COL writes
patch rows 0..60 of a 6x5 output`) and the others silently computed the wrong numbers."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.validate import validate
from convc.targets import resolve

SHAPE = [2, 8, 6, 5]  # batch 2, odd spatial sizes


def layer_model(kind, path):
    rng = np.random.default_rng(1)
    inits, attrs, out = [], {}, list(SHAPE)
    if kind == "Conv":
        inits = [numpy_helper.from_array(rng.standard_normal((4, 8, 3, 3)).astype(np.float32) * 0.3, "w")]
        attrs, out = dict(pads=[1, 1, 1, 1]), [2, 4, 6, 5]
    elif kind == "DepthwiseConv":
        inits = [numpy_helper.from_array(rng.standard_normal((8, 1, 3, 3)).astype(np.float32) * 0.3, "w")]
        attrs = dict(pads=[1, 1, 1, 1], group=8)
    else:
        attrs, out = dict(kernel_shape=[2, 2], strides=[2, 2]), [2, 8, 3, 2]
    op_type = "Conv" if kind == "DepthwiseConv" else kind
    node = helper.make_node(op_type, ["x"] + [i.name for i in inits], ["y"], name="layer", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("target", ["thetis", "dpu_host"])
@pytest.mark.parametrize("kind", ["Conv", "DepthwiseConv", "AveragePool", "MaxPool"])
def test_batch_two_layers_are_exact(tmp_path, repo_root, kind, target):
    model = layer_model(kind, tmp_path / f"{kind}.onnx")
    rng = np.random.default_rng(2)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((16, *SHAPE[1:])).astype(np.float32))
    target_path = resolve("thetis") if target == "thetis" else repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"
    compiled = compile_model(model, target_path, calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)  # the compiler never emits a stream its runtime rejects
    samples = [[rng.standard_normal(SHAPE).astype(np.float32)] for _ in range(4)]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result
