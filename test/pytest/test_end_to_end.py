"""End to end: ONNX → command stream → reference runtime, verified two ways."""

import hashlib

import numpy as np
import onnxruntime as ort
import pytest

from convc.driver.pipeline import compile_model, load_calibration, input_shapes
from convc.driver.verify import verify
from convc.runtime.host import Program
from convc.targets import resolve

MODELS = ["resnet_mini", "mobilenetv2_mini", "mlp", "digits_cnn"]


@pytest.fixture(scope="module")
def compiled(models_dir):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = compile_model(models_dir / f"{name}.onnx", resolve("thetis"),
                                        calib=models_dir / f"{name}.calib.npz")
        return cache[name]
    return get


@pytest.mark.parametrize("name", MODELS)
def test_model_verifies(name, compiled, models_dir):
    c = compiled(name)
    samples = load_calibration(models_dir / f"{name}.sample.npz", input_shapes(c.onnx_model))
    result = verify(c, models_dir / f"{name}.onnx", samples)
    assert result["integer_exact"] is True
    assert result["cosine"] >= 0.99, result
    assert result["samples"] == len(samples) == 8


@pytest.mark.parametrize("name", ["resnet_mini", "mlp"])
def test_stream_is_deterministic(name, compiled, models_dir):
    again = compile_model(models_dir / f"{name}.onnx", resolve("thetis"), calib=models_dir / f"{name}.calib.npz")
    assert hashlib.sha256(again.stream.encode()).digest() == hashlib.sha256(compiled(name).stream.encode()).digest()


def test_large_layers_are_tiled(compiled):
    """mlp has 256→640→256: 640 outputs need two column tiles, 640 inputs two row tiles."""
    from convc.driver.report import layer_rows
    c = compiled("mlp")
    with c.module.context:
        rows = [r for r in layer_rows(c.module, c.target) if r["op"] == "imc.matmul"]
    assert [(r["row_tiles"], r["col_tiles"]) for r in rows] == [(1, 2), (2, 1), (1, 1)]
    mvms = sum(1 for q in c.stream.queues.values() for cmd in q if cmd.op.name == "IMC_MVM")
    assert mvms == 5


def test_layers_spread_over_cores(compiled):
    c = compiled("resnet_mini")
    assert len(c.stream.queues) == c.target.cores


def test_digits_accuracy_drop_at_most_half_a_point(compiled, models_dir):
    c = compiled("digits_cnn")
    test = np.load(models_dir / "digits_cnn.test.npz")
    x, labels = test["x"], test["y"]
    session = ort.InferenceSession(str(models_dir / "digits_cnn.onnx"))
    fp32 = np.concatenate([session.run(None, {"x": x[i:i + 1]})[0] for i in range(len(x))]).argmax(1)
    outputs, _ = Program(c.stream, c.target).run_batch({"x": x})
    int8 = outputs["y"].argmax(1)
    acc_fp32, acc_int8 = (fp32 == labels).mean(), (int8 == labels).mean()
    assert acc_fp32 >= 0.95
    assert acc_fp32 - acc_int8 <= 0.005, (acc_fp32, acc_int8)


def test_corrupting_the_plan_breaks_verification(compiled, models_dir):
    """The runtime really executes the stream: pointing a layer at the wrong weights is caught."""
    import copy
    from convc.runtime.stream import Op
    c = copy.copy(compiled("digits_cnn"))
    stream = type(c.stream).decode(c.stream.encode())
    for q in stream.queues.values():
        for cmd in q:
            if cmd.op == Op.IMC_MVM:
                cmd.fields["in_addr"] += 1  # shift the input window by one byte
                break
    c.stream = stream
    samples = load_calibration(models_dir / "digits_cnn.sample.npz", input_shapes(c.onnx_model))
    assert verify(c, models_dir / "digits_cnn.onnx", samples[:2])["integer_exact"] is False
