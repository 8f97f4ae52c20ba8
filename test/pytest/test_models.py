"""The generated models are valid, run in onnxruntime, have the ops the
compiler's tests rely on, and are generated deterministically."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

# Spelled out (not imported from the script) so that parametrization needs no torch
# import at collection time; test_names_match keeps it in sync.
NAMES = ["resnet_mini", "mobilenetv2_mini", "mlp", "digits_cnn", "digits_cnn_ternary"]
REAL = ["resnet18", "mobilenetv2", "efficientnet_lite0", "yolo_head", "yolo_head_b2", "vit_tiny", "autoencoder", "alexnet_lrn", "resnet_mini_qdq"]  # test_real_models.py


def load(models_dir, name):
    return onnx.load(models_dir / f"{name}.onnx")


def ops(proto):
    return [n.op_type for n in proto.graph.node]


def attr(node, name, default=None):
    return next((onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == name), default)


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def test_names_match(make_models):
    assert list(make_models.MODEL_NAMES) == NAMES + REAL


@pytest.mark.parametrize("name", NAMES)
def test_model_files_valid(models_dir, name):
    proto = load(models_dir, name)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == 17
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["y"]
    in_shape = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert in_shape[0] == 1 and all(d > 0 for d in in_shape)  # static, batch 1
    for kind, lo, hi in (("calib", 64, 128), ("sample", 8, 8)):
        with np.load(models_dir / f"{name}.{kind}.npz") as z:
            assert list(z.keys()) == ["x"]
            x = z["x"]
        assert x.dtype == np.float32 and lo <= len(x) <= hi
        assert list(x.shape[1:]) == in_shape[1:]


@pytest.mark.parametrize("name", NAMES)
def test_runs_in_onnxruntime(models_dir, name):
    x = np.load(models_dir / f"{name}.sample.npz")["x"]
    sess = session(models_dir / f"{name}.onnx")
    for i in range(len(x)):
        (y,) = sess.run(None, {"x": x[i:i + 1]})
        assert y.shape == (1, 10) and np.isfinite(y).all()


@pytest.mark.parametrize("name", ["resnet_mini", "mobilenetv2_mini"])
def test_batchnorm_not_fused(models_dir, name):
    # The compiler folds BN itself; the export must leave it for it to fold.
    assert "BatchNormalization" in ops(load(models_dir, name))


def test_mobilenet_has_depthwise_and_clip(models_dir):
    proto = load(models_dir, "mobilenetv2_mini")
    weights = {t.name: t.dims for t in proto.graph.initializer}
    depthwise = [n for n in proto.graph.node if n.op_type == "Conv"
                 and attr(n, "group", 1) > 1 and attr(n, "group") == weights[n.input[1]][0]
                 and weights[n.input[1]][1] == 1]
    assert depthwise, "no depthwise Conv (group == channels)"
    assert "Clip" in ops(proto)  # ReLU6


def test_resnet_has_wide_conv(models_dir):
    # At least one conv has more dot-product rows than the 512-row IMC array.
    proto = load(models_dir, "resnet_mini")
    weights = {t.name: t.dims for t in proto.graph.initializer}
    rows = [int(np.prod(weights[n.input[1]][1:])) for n in proto.graph.node if n.op_type == "Conv"]
    assert max(rows) > 512


def test_digits_fp32_accuracy(models_dir):
    with np.load(models_dir / "digits_cnn.test.npz") as z:
        x, y = z["x"], z["y"]
    assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape[1:] == (1, 8, 8)
    sess = session(models_dir / "digits_cnn.onnx")
    pred = np.array([sess.run(None, {"x": x[i:i + 1]})[0].argmax() for i in range(len(x))])
    assert (pred == y).mean() >= 0.95


def test_generation_deterministic(make_models, tmp_path):
    a = make_models.make_all(tmp_path / "a", ["mlp"])["mlp"]
    b = make_models.make_all(tmp_path / "b", ["mlp"])["mlp"]
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind
