"""Activations as 256-entry lookup tables (issue 9): every spelling exporters use becomes one
`dpu.lut` (HOST_LUT on a target whose DPU lacks the operation), executed bit-exactly and close
to onnxruntime's float result."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

# ONNX op (or a pattern) -> node attributes; SiLU is what PyTorch exports for nn.SiLU.
ACTIVATIONS = {
    "Sigmoid": {}, "Tanh": {}, "Exp": {}, "HardSigmoid": {}, "HardSwish": {},
    "LeakyRelu": {"alpha": 0.1}, "Elu": {}, "Selu": {}, "Gelu": {}, "GeluTanh": {"approximate": "tanh"},
    "Softplus": {}, "Mish": {}, "SiLU": {}, "PRelu": {},
}


def conv_then(act, shape, path):
    """x -> Conv 3x3 -> activation -> Conv 1x1 -> y (NCHW, channels = shape[1]): the
    activation sits between layers, in the channels-last layout, as in a real network."""
    rng = np.random.default_rng(0)
    c = shape[1]
    inits = [numpy_helper.from_array((rng.standard_normal((c, c, 3, 3)) * 0.3).astype(np.float32), "w"),
             numpy_helper.from_array((rng.standard_normal((c, c, 1, 1)) * 0.3).astype(np.float32), "w2")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["h"], name="conv", pads=[1, 1, 1, 1])]
    if act == "SiLU":
        nodes += [helper.make_node("Sigmoid", ["h"], ["s"], name="sig"),
                  helper.make_node("Mul", ["h", "s"], ["a"], name="act")]
    elif act == "PRelu":  # one slope for every channel: a function of one code
        inits.append(numpy_helper.from_array(np.array([0.2], np.float32), "slope"))
        nodes.append(helper.make_node("PRelu", ["h", "slope"], ["a"], name="act"))
    else:
        op = "Gelu" if act == "GeluTanh" else act
        nodes.append(helper.make_node(op, ["h"], ["a"], name="act", **ACTIVATIONS.get(act, {})))
    nodes.append(helper.make_node("Conv", ["a", "w2"], ["y"], name="conv2"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=9), str(path))
    return path


def compile_and_verify(tmp_path, act, shape, target):
    model = conv_then(act, shape, tmp_path / f"{act}.onnx")
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((16, *shape[1:])).astype(np.float32))
    compiled = compile_model(model, target, calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    result = verify(compiled, model, [[rng.standard_normal(shape).astype(np.float32)] for _ in range(3)])
    return compiled, result


def lookups(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_activation_is_one_exact_table(tmp_path, act):
    compiled, result = compile_and_verify(tmp_path, act, [1, 8, 7, 5], resolve("thetis"))
    assert result["integer_exact"] is True, result
    # exp of a conv's output spans e^-4..e^4: 256 output codes cannot resolve its small values
    # (the table is exact per code; the loss is int8's). Every other function keeps 0.998.
    assert result["cosine"] >= (0.97 if act == "Exp" else 0.998), result
    # HardSigmoid's x * alpha + beta folds into the conv before lowering and its clamp fuses
    assert lookups(compiled.stream, Op.DPU_LUT) == (0 if act == "HardSigmoid" else 1)
    for other in (Op.DPU_MUL, Op.DPU_ADD, Op.DPU_RESCALE):  # nothing of the pattern is left
        assert lookups(compiled.stream, other) == 0, other


@pytest.mark.parametrize("act", ["SiLU", "Gelu", "HardSwish"])
def test_activation_at_batch_two(tmp_path, act):
    _, result = compile_and_verify(tmp_path, act, [2, 6, 5, 3], resolve("thetis"))
    assert result["integer_exact"] is True and result["cosine"] >= 0.998, result


def test_host_runs_the_table_where_the_dpu_lacks_it(tmp_path, repo_root):
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has no `lut`
    compiled, result = compile_and_verify(tmp_path, "SiLU", [1, 4, 5, 5], target)
    assert result["integer_exact"] is True, result
    assert lookups(compiled.stream, Op.HOST_LUT) == 1 and lookups(compiled.stream, Op.DPU_LUT) == 0


def test_shared_intermediate_keeps_regions_closed(tmp_path):
    """The sigmoid's value is also a network output, so it cannot hide inside the SiLU table:
    the sigmoid is a table of its own and the product of two tensors stays a dpu.mul."""
    model = conv_then("SiLU", [1, 4, 5, 5], tmp_path / "m.onnx")
    m = onnx.load(str(model))
    m.graph.output.append(helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, 4, 5, 5]))
    m.graph.output.append(helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, 4, 5, 5]))
    onnx.save(m, str(model))
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((8, 4, 5, 5)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert lookups(compiled.stream, Op.DPU_LUT) == 1 and lookups(compiled.stream, Op.DPU_MUL) == 1
    result = verify(compiled, model, [[rng.standard_normal([1, 4, 5, 5]).astype(np.float32)]])
    assert result["integer_exact"] is True, result


def test_relu_stays_fused_into_the_conv(tmp_path):
    """A lone ReLU is no table: it is the conv's clamp."""
    model = conv_then("Relu", [1, 4, 5, 5], tmp_path / "relu.onnx")
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((8, 4, 5, 5)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert lookups(compiled.stream, Op.DPU_LUT) == 0 and lookups(compiled.stream, Op.DPU_RESCALE) == 0
