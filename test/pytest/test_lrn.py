"""LRN (issue 9): ONNX LRN, as Caffe-era model-zoo CNNs have it, is rewritten before import into
a square, a 0/1 band convolution over the channels, one table for (bias + alpha/size * S)^-beta
and a product (frontend/lrn.py); it verifies bit-exactly and close to onnxruntime."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(41)


def conv_lrn(path, size, alpha, beta, bias, channels=8, batch=1, rank=4):
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("LRN", ["r"], ["y"], name="norm1", size=size, alpha=alpha, beta=beta, bias=bias)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 6, 7])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, channels, 6, 7])],
                              [numpy_helper.from_array(RNG.standard_normal((channels, 3, 3, 3)).astype(np.float32), "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("size, alpha, beta, bias, batch", [(5, 0.5, 0.75, 1.0, 1), (3, 0.2, 0.5, 2.0, 2),
                                                            (7, 1e-4, 0.75, 2.0, 1)])
def test_lrn_is_exact_and_close(tmp_path, size, alpha, beta, bias, batch):
    model = conv_lrn(tmp_path / "m.onnx", size, alpha, beta, bias, batch=batch)
    x = RNG.standard_normal((16 * batch, 3, 6, 7)).astype(np.float32)
    np.savez(tmp_path / "calib.npz", x=x)
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    # square and power tables, the band sum on the array, the product on the DPU
    assert sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_LUT) == 2
    samples = [[RNG.standard_normal((batch, 3, 6, 7)).astype(np.float32)] for _ in range(3)]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result
    if alpha > 0.1:  # the normalisation really is non-linear here: not a rescaled ReLU
        relu_model = tmp_path / "relu.onnx"
        m = onnx.load(str(model))
        m.graph.node[2].CopyFrom(helper.make_node("Identity", ["r"], ["y"], name="norm1"))
        onnx.save(m, str(relu_model))
        y, r = (ort.InferenceSession(str(p)).run(None, {"x": samples[0][0]})[0].ravel() for p in (model, relu_model))
        assert float(y @ r / np.linalg.norm(y) / np.linalg.norm(r)) < 0.99


def test_lrn_of_a_matrix_is_refused(tmp_path):
    graph = helper.make_graph([helper.make_node("LRN", ["x"], ["y"], name="flat_lrn", size=3)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    with pytest.raises(UnsupportedOpError, match=r"node 'flat_lrn' \(LRN\): only 4-D NCHW inputs"):
        compile_model(path, resolve("thetis"), warn=lambda m: None)
