"""Small ONNX models built in the tests themselves (error paths, edge cases)."""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def tiny_model(op_type="Relu", name="act0", shape=(1, 4), extra_inits=(), **attrs):
    """x -> Gemm(fc) -> OP -> y: a valid model whose second node is `op_type`."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((shape[1], shape[1])).astype(np.float32), "w")
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], name="fc"),
             helper.make_node(op_type, ["h"], ["y"], name=name, **attrs)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
                              [w, *extra_inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def save(model, path):
    onnx.save(model, str(path))
    return path
