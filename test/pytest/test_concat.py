"""Concat of unequal widths (issue 9 bug): branches of 8, 4 and 2 channels joined along C, at
batch 1 and 2, bit-exact and close to onnxruntime; the N-ary Concat is a chain of binary
dpu.concat ops."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(3)


def branches_model(path, batch, widths=(8, 4, 2)):
    inits, nodes, outs = [], [], []
    for i, c in enumerate(widths):
        inits.append(numpy_helper.from_array((RNG.standard_normal((c, 4, 3, 3)) * 0.3).astype(np.float32), f"w{i}"))
        nodes.append(helper.make_node("Conv", ["x", f"w{i}"], [f"b{i}"], name=f"branch{i}", pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"b{i}"], [f"r{i}"], name=f"relu{i}"))
        outs.append(f"r{i}")
    total = sum(widths)
    inits.append(numpy_helper.from_array((RNG.standard_normal((4, total, 1, 1)) * 0.3).astype(np.float32), "wf"))
    nodes += [helper.make_node("Concat", outs, ["cat"], name="cat", axis=1),
              helper.make_node("Conv", ["cat", "wf"], ["y"], name="fuse")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4, 7, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 4, 7, 6])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch", [1, 2])
def test_concat_of_unequal_widths_is_exact(tmp_path, batch):
    path = branches_model(tmp_path / "cat.onnx", batch)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 4, 7, 6)).astype(np.float32))
    compiled = compile_model(path, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert str(compiled.module).count('"dpu.concat"') == 2  # three inputs: a chain of two
    result = verify(compiled, path, [[RNG.standard_normal([batch, 4, 7, 6]).astype(np.float32)] for _ in range(3)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.998, result
