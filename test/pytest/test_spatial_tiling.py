"""Spatial tiling of convolutions (issue 9): on a core whose L1 cannot hold a layer's input and
output maps, the conv runs in bands of output rows; each band DMAs only the input rows its
windows read (the halo rows included) into L1 and writes its output rows back to L2. Bit-exact
at batch 1 and 2, with strides, dilation and odd sizes; what cannot fit even one row band is
refused by node."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import ConvcError
from convc.ir.schema import BAND_ROWS, ELEMENTS
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(5)


def small_l1_thetis(tmp_path, kib):
    text = resolve("thetis").read_text()
    assert "size = 4194304" in text
    path = tmp_path / f"thetis_{kib}k.toml"
    path.write_text(text.replace("size = 4194304", f"size = {kib * 1024}", 1).replace('name = "thetis"',
                                                                                      f'name = "thetis_{kib}k"', 1))
    return path


def big_then_small(path, batch, hw, stride=1, dilation=1, c_mid=32):
    """x [batch, 3, hw, hw] -> Conv 3x3 (c_mid channels: maps larger than L1) -> ReLU ->
    Conv 3x3 / 4 to 16 channels (small enough for the output transpose) -> y."""
    pad = dilation
    mid = (hw + 2 * pad - 2 * dilation - 1) // stride + 1
    out = (mid + 2 - 3) // 4 + 1
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="big", pads=[pad] * 4, strides=[stride] * 2,
                              dilations=[dilation] * 2),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Conv", ["r", "w1"], ["y"], name="small", pads=[1] * 4, strides=[4, 4])]
    inits = [numpy_helper.from_array((RNG.standard_normal((c_mid, 3, 3, 3)) * 0.3).astype(np.float32), "w0"),
             numpy_helper.from_array((RNG.standard_normal((16, c_mid, 3, 3)) * 0.1).astype(np.float32), "w1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, hw, hw])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 16, out, out])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def band_rows(compiled, node):
    for op in compiled.module.body.operations[0].regions[0].blocks[0].operations:
        if op.operation.name == "imc.conv2d" and f'"{node}"' in str(op.location):
            return BAND_ROWS.get(op)
    raise AssertionError(f"no conv {node}")


@pytest.mark.parametrize("batch, hw, stride, dilation, c_mid", [
    (1, 64, 1, 1, 32), (2, 48, 1, 2, 32), (1, 61, 2, 1, 64)])
def test_banded_conv_is_exact(tmp_path, batch, hw, stride, dilation, c_mid):
    model = big_then_small(tmp_path / "m.onnx", batch, hw, stride, dilation, c_mid)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((4 * batch, 3, hw, hw)).astype(np.float32))
    target = small_l1_thetis(tmp_path, 64)
    compiled = compile_model(model, target, calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    rows = band_rows(compiled, "big")
    out_rows = (hw - 1) // stride + 1
    assert rows is not None and 1 <= rows < out_rows  # banded: the whole map did not fit
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, hw, hw)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result


def test_the_same_model_is_not_banded_where_it_fits(tmp_path):
    model = big_then_small(tmp_path / "m.onnx", 1, 64)
    compiled = compile_model(model, resolve("thetis"), warn=lambda m: None)
    assert band_rows(compiled, "big") is None


def test_a_layer_that_fits_no_band_is_refused_by_node(tmp_path):
    """2048 output channels: one row of accumulators alone is 64 KiB."""
    model = big_then_small(tmp_path / "m.onnx", 1, 8, c_mid=2048)
    with pytest.raises(ConvcError, match=r"node 'big' \(imc.conv2d\)") as info:
        compile_model(model, small_l1_thetis(tmp_path, 16), warn=lambda m: None)
    assert "\n" not in str(info.value)


def dpu_chain(path, batch, hw):
    """Conv -> SiLU (lut) -> MaxPool 3x3/2 pad 1 -> depthwise 3x3 -> + (residual) ->
    AveragePool 3x3/1 pad 1 -> Conv 1x1 / 4: every DPU op that banding or chunking covers."""
    c = 24
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="conv", pads=[1] * 4),
             helper.make_node("Sigmoid", ["a"], ["s"], name="sig"), helper.make_node("Mul", ["a", "s"], ["b"], name="silu"),
             helper.make_node("MaxPool", ["b"], ["p"], name="pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4),
             helper.make_node("Conv", ["p", "wd"], ["d"], name="dw", group=c, pads=[1] * 4),
             helper.make_node("Add", ["d", "p"], ["r"], name="res"),
             helper.make_node("AveragePool", ["r"], ["v"], name="avg", kernel_shape=[3, 3], pads=[1] * 4),
             helper.make_node("Conv", ["v", "w1"], ["y"], name="head", strides=[4, 4])]
    mid = (hw - 1) // 2 + 1
    out = (mid - 1) // 4 + 1
    inits = [numpy_helper.from_array((RNG.standard_normal((c, 3, 3, 3)) * 0.3).astype(np.float32), "w0"),
             numpy_helper.from_array((RNG.standard_normal((c, 1, 3, 3)) * 0.3).astype(np.float32), "wd"),
             numpy_helper.from_array((RNG.standard_normal((8, c, 1, 1)) * 0.3).astype(np.float32), "w1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, hw, hw])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 8, out, out])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch, hw", [(1, 95), (2, 64)])
def test_dpu_ops_run_in_bands_and_chunks(tmp_path, batch, hw):
    """On a 32 KiB L1 the input layout transpose, the pools and the depthwise conv run in
    bands of rows and the lookup table and the add in chunks of elements, all bit-exact."""
    model = dpu_chain(tmp_path / "m.onnx", batch, hw)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((4 * batch, 3, hw, hw)).astype(np.float32))
    compiled = compile_model(model, small_l1_thetis(tmp_path, 32), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    ops = compiled.module.body.operations[0].regions[0].blocks[0].operations
    banded = {op.operation.name for op in ops if BAND_ROWS.has(op)}
    chunked = {op.operation.name for op in ops if ELEMENTS.has(op)}
    assert {"dpu.transpose", "dpu.maxpool", "dpu.dwconv2d", "dpu.avgpool", "imc.conv2d"} <= banded, banded
    assert {"dpu.lut", "dpu.add"} <= chunked, chunked
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, hw, hw)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result


def test_mobilenetv2_at_224_on_a_128_kib_l1(models_dir, tmp_path):
    """The generated 224x224 MobileNetV2, whose first maps are 1.2 MB, on 128 KiB per core:
    everything is banded, chunked or given smaller weight tiles, and still bit-exact."""
    model = models_dir / "mobilenetv2.onnx"
    compiled = compile_model(model, small_l1_thetis(tmp_path, 128), calib=models_dir / "mobilenetv2.calib.npz",
                             warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    with np.load(models_dir / "mobilenetv2.sample.npz") as z:
        x = z["x"][:1]
    result = verify(compiled, model, [[x]])
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result
