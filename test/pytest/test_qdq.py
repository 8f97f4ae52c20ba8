"""Pre-quantized models (issue 9): a QDQ model from onnxruntime's quantize_static
(tools/make_models.py, resnet_mini_qdq) imports with the model's own activation scales instead
of calibrated ones, and `--verify` compares with onnxruntime running the QDQ model."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model, input_shapes, load_calibration
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.ir.util import body_ops, entry_func
from convc.ir.mlir import ir
from convc.targets import resolve


def qdq_scales(model):
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    return [float(inits[n.input[1]]) for n in model.graph.node if n.op_type == "QuantizeLinear"]


def test_qdq_model_uses_its_own_scales_and_matches_onnxruntime(models_dir):
    path = models_dir / "resnet_mini_qdq.onnx"
    given = qdq_scales(onnx.load(str(path)))
    assert len(given) >= 10  # it really is pre-quantized
    compiled = compile_model(path, resolve("thetis"), calib=models_dir / "resnet_mini_qdq.calib.npz",
                             warn=lambda m: None)
    with compiled.module.context:
        used = [ir.FloatAttr(op.operation.attributes["out_scale"]).value
                for op in body_ops(entry_func(compiled.module.operation)) if "out_scale" in op.operation.attributes]
    # Every layer's output scale is one of the model's (none calibrated): each layer ends at a Q/DQ pair.
    assert used and all(any(abs(s - g) <= 1e-9 * g for g in given) for s in used)
    samples = load_calibration(models_dir / "resnet_mini_qdq.sample.npz", input_shapes(compiled.onnx_model))[:4]
    result = verify(compiled, path, samples)  # the float reference is onnxruntime running the QDQ model
    assert result["integer_exact"] is True, result
    # The same integer network: at most an output code apart from onnxruntime's own.
    out_scale = used[-1]
    assert result["max_abs_error"] <= 1.01 * out_scale and result["cosine"] >= 0.999, result


def qdq_graph(path, scale_shape=(), dq_scale=0.05):
    scale = np.full(scale_shape, 0.05, np.float32)
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("QuantizeLinear", ["r", "s", "z"], ["q"], name="quant"),
             helper.make_node("DequantizeLinear", ["q", "s2", "z"], ["y"], name="dequant")]
    inits = [numpy_helper.from_array(scale, "s"), numpy_helper.from_array(np.full(scale_shape, dq_scale, np.float32), "s2"),
             numpy_helper.from_array(np.zeros(scale_shape, np.int8), "z")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 3, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 3, 3])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def test_a_quantize_dequantize_pair_becomes_the_tensors_scale(tmp_path):
    compiled = compile_model(qdq_graph(tmp_path / "m.onnx"), resolve("thetis"), warn=lambda m: None)
    with compiled.module.context:
        f = entry_func(compiled.module.operation)
        assert [ir.FloatAttr(s).value for s in f.attributes["convc.output_scales"]] == [pytest.approx(0.05)]


@pytest.mark.parametrize("scale_shape, dq_scale, message", [
    ((4,), 0.05, r"node 'quant' \(QuantizeLinear\): per-channel activation quantization is not supported"),
    ((), 0.1, r"node 'quant' \(QuantizeLinear\): only QuantizeLinear immediately dequantized with the same scale"),
])
def test_other_qdq_forms_are_refused_by_node(tmp_path, scale_shape, dq_scale, message):
    with pytest.raises(UnsupportedOpError, match=message):
        compile_model(qdq_graph(tmp_path / "m.onnx", scale_shape, dq_scale), resolve("thetis"), warn=lambda m: None)
