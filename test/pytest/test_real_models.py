"""Real-size networks (issue 9): the 224x224 classifiers, the detection head and the ViT from
tools/make_models.py have the node patterns of real exports, compile on thetis into a stream
the runtime's validator accepts, and verify bit-exactly and close to onnxruntime."""

import onnx
import pytest

from convc.driver.pipeline import compile_model, input_shapes, load_calibration
from convc.driver.verify import verify
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

from test_models import REAL


def ops(models_dir, name):
    return [n.op_type for n in onnx.load(models_dir / f"{name}.onnx").graph.node]


def test_exports_have_the_patterns_of_real_networks(models_dir):
    effnet = ops(models_dir, "efficientnet_lite0")
    # "same" padding computed from the input shape at run time, not a Conv pads attribute
    assert {"Shape", "Ceil", "Pad"} <= set(effnet) and effnet.count("Pad") == 17
    yolo = ops(models_dir, "yolo_head")
    assert {"Resize", "Concat", "Sigmoid", "Mul"} <= set(yolo)
    resnet = onnx.load(models_dir / "resnet18.onnx")
    stem = next(n for n in resnet.graph.node if n.op_type == "Conv")
    assert [a.ints for a in stem.attribute if a.name == "kernel_shape"][0] == [7, 7]
    vit = ops(models_dir, "vit_tiny")  # nn.MultiheadAttention and nn.LayerNorm as exported
    assert {"LayerNormalization", "Gather", "MatMul", "Softmax", "Erf"} <= set(vit)
    x = onnx.load(models_dir / "yolo_head_b2.onnx").graph.input[0]
    assert [d.dim_value for d in x.type.tensor_type.shape.dim] == [2, 3, 128, 128]


@pytest.mark.parametrize("name", REAL)
def test_real_model_compiles_validates_and_verifies(models_dir, name):
    model = models_dir / f"{name}.onnx"
    compiled = compile_model(model, resolve("thetis"), calib=models_dir / f"{name}.calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)  # the compiler never emits what its runtime refuses
    samples = load_calibration(models_dir / f"{name}.sample.npz", input_shapes(compiled.onnx_model))[:2]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result
    if name.startswith("yolo"):  # two upsamples per image
        resizes = sum(1 for q in compiled.stream.queues.values() for c in q if c.op is Op.DPU_RESIZE)
        assert resizes == 2 * len(samples[0][0])
    if name == "vit_tiny":  # 2 blocks: 2 products of activations and 2 norms each, plus the final norm
        count = {op: sum(1 for q in compiled.stream.queues.values() for c in q if c.op is op)
                 for op in (Op.DPU_BATCH_MATMUL, Op.DPU_LAYERNORM, Op.DPU_SOFTMAX)}
        assert count == {Op.DPU_BATCH_MATMUL: 4, Op.DPU_LAYERNORM: 5, Op.DPU_SOFTMAX: 2}, count


@pytest.mark.parametrize("name", ["vit_tiny", "yolo_head"])
def test_real_model_on_convolve(models_dir, name, tmp_path):
    """convolve (issue 11): the ViT's softmaxes, layer norms and GELU tables and the YOLO
    head's sigmoids run as CGRA kernels (its DPUs have none of them), nothing falls back to
    the host, everything verifies bit-exactly. The max_error constraint keeps the analog split
    from trading accuracy for analog MACs."""
    rules = tmp_path / "tight.cva"
    rules.write_text("version 1\nconstraint max_error <= 0.1\n")
    model = models_dir / f"{name}.onnx"
    compiled = compile_model(model, resolve("convolve"), calib=models_dir / f"{name}.calib.npz",
                             annotations=rules, warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    samples = load_calibration(models_dir / f"{name}.sample.npz", input_shapes(compiled.onnx_model))[:2]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result
    count = {op: sum(1 for q in compiled.stream.queues.values() for c in q if c.op is op)
             for op in (Op.CGRA_LAUNCH, Op.HOST_SOFTMAX, Op.HOST_LAYERNORM, Op.HOST_LUT)}
    assert count[Op.HOST_SOFTMAX] == count[Op.HOST_LAYERNORM] == count[Op.HOST_LUT] == 0, count
    # the ViT: 5 layer norms x 4 kernels + 2 softmaxes x 3 + 2 GELU tables
    assert count[Op.CGRA_LAUNCH] >= (28 if name == "vit_tiny" else 2), count
