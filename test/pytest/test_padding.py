"""Explicit and "same" padding (issue 9): a Pad before a convolution or pooling becomes its
padding (convc-fold-pad), through torch-mlir's NCHW transposes, at batch 1 and 2; a Pad that
no window op can take is refused in one line naming the node."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.validate import validate
from convc.targets import resolve
from helpers import assert_one_line_error, convc

RNG = np.random.default_rng(0)
W = numpy_helper.from_array((RNG.standard_normal((4, 4, 3, 3)) * 0.3).astype(np.float32), "w")


def pads(values):
    return numpy_helper.from_array(np.array(values, np.int64), "pads")


def node(op, inputs, output, name, **attrs):
    return helper.make_node(op, inputs, [output], name=name, **attrs)


# name -> (nodes, initializers, output shape for a 1x4x8x8 input)
CASES = {
    "pad_then_strided_conv": ([node("Pad", ["x", "pads"], "p", "pad"), node("Conv", ["p", "w"], "y", "conv", strides=[2, 2])],
                              [W, pads([0, 0, 0, 0, 0, 0, 1, 1])], [4, 4, 4]),
    "auto_pad_same_upper": ([node("Conv", ["x", "w"], "y", "conv", strides=[2, 2], auto_pad="SAME_UPPER")], [W], [4, 4, 4]),
    "pad_between_layers": ([node("Conv", ["x", "w"], "a", "c1", pads=[1, 1, 1, 1]), node("Relu", ["a"], "r", "relu"),
                            node("Pad", ["r", "pads"], "p", "pad"), node("Conv", ["p", "w"], "y", "c2", strides=[2, 2])],
                           [W, pads([0, 0, 1, 0, 0, 0, 2, 1])], [4, 5, 4]),
    "pad_then_avgpool": ([node("Pad", ["x", "pads"], "p", "pad"),
                          node("AveragePool", ["p"], "y", "pool", kernel_shape=[3, 3], strides=[2, 2])],
                         [pads([0, 0, 1, 1, 0, 0, 1, 1])], [4, 4, 4]),
    "avgpool_count_include_pad": ([node("AveragePool", ["x"], "y", "pool", kernel_shape=[3, 3], strides=[2, 2],
                                        pads=[1, 1, 1, 1], count_include_pad=1)], [], [4, 4, 4]),
    "maxpool_same_upper": ([node("MaxPool", ["x"], "y", "pool", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")],
                           [], [4, 4, 4]),
}


def model(case, path, batch=1):
    nodes, inits, out = CASES[case]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, *out])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("case", sorted(CASES))
def test_padding_folds_and_is_exact(tmp_path, case, batch):
    path = model(case, tmp_path / f"{case}.onnx", batch)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 4, 8, 8)).astype(np.float32))
    compiled = compile_model(path, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert "tosa.pad" not in str(compiled.module)
    result = verify(compiled, path, [[RNG.standard_normal([batch, 4, 8, 8]).astype(np.float32)] for _ in range(3)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.997, result  # int8 at both ends of a 4-channel layer


def test_pad_no_window_op_takes_is_refused(tmp_path):
    nodes = [node("Pad", ["x", "pads"], "p", "lonely_pad"), node("Relu", ["p"], "y", "relu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 9, 9])],
                              [pads([0, 0, 1, 0, 0, 0, 0, 1])])
    path = tmp_path / "pad.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    assert_one_line_error(convc(path, "-o", tmp_path / "out"), "'lonely_pad'", "padding is supported where it feeds")
