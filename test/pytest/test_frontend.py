"""Frontend: ONNX → TOSA with node names as locations, and its refusals."""

import pytest

from convc.frontend import onnx_import as frontend
from convc.errors import FrontendError, UnsupportedOpError
from convc.driver.pipeline import new_context
from helpers import save, tiny_model


def tosa_ops(module):
    func_op = module.body.operations[0]
    return [op.operation.name for op in func_op.regions[0].blocks[0].operations]


def test_resnet_lowers_to_tosa_with_node_names(models_dir):
    module, simplified = frontend.onnx_to_tosa(models_dir / "resnet_mini.onnx", new_context())
    names = tosa_ops(module)
    assert "tosa.conv2d" in names and "tosa.matmul" in names
    assert not any(n.startswith("torch.") for n in names)
    asm = module.operation.get_asm(enable_debug_info=True, large_elements_limit=4)
    conv_nodes = [n.name for n in simplified.graph.node if n.op_type == "Conv"]
    assert conv_nodes and all(f'"{n}"' in asm for n in conv_nodes)
    # BatchNormalization survives onnxsim on purpose: convc folds it itself.
    assert any(n.op_type == "BatchNormalization" for n in simplified.graph.node)


def test_mobilenet_has_depthwise(models_dir):
    module, _ = frontend.onnx_to_tosa(models_dir / "mobilenetv2_mini.onnx", new_context())
    assert "tosa.depthwise_conv2d" in tosa_ops(module)


def test_not_onnx(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"this is not a protobuf at all \x00\xff")
    with pytest.raises(FrontendError, match="not an ONNX model"):
        frontend.onnx_to_tosa(bad, new_context())


def test_missing_file(tmp_path):
    with pytest.raises(FrontendError, match="no such file"):
        frontend.onnx_to_tosa(tmp_path / "nope.onnx", new_context())


def test_unsupported_op_names_node_and_op(tmp_path):
    path = save(tiny_model("Hardmax", name="probabilities"), tmp_path / "hardmax.onnx")
    with pytest.raises(UnsupportedOpError, match=r"node 'probabilities' has op Hardmax"):
        frontend.onnx_to_tosa(path, new_context())


def test_supported_tiny_model_imports(tmp_path):
    path = save(tiny_model("Relu"), tmp_path / "relu.onnx")
    module, _ = frontend.onnx_to_tosa(path, new_context())
    assert "tosa.matmul" in tosa_ops(module) and "tosa.clamp" in tosa_ops(module)


def test_tosa_lowering_failure_names_the_node():
    """A failure inside torch-mlir's TOSA pipeline is reported with the ONNX node it hit."""
    import onnx
    from pathlib import Path
    model = onnx.shape_inference.infer_shapes(tiny_model("Det", name="determinant"))
    with pytest.raises(UnsupportedOpError, match=r"node 'determinant': no lowering for torch.aten.linalg_det"):
        frontend.import_to_tosa(model, new_context(), Path("det.onnx"))
