"""ConvTranspose (issue 9): decomposed into one stride-1 convolution over all output phases
plus a DPU transpose (convc-decompose-transpose-conv); exact against the integer reference and
close to onnxruntime at the usual decoder spellings, batch 1 and 2; the spellings torch-mlir
cannot lower are refused by node."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(3)


def decoder(path, batch, k, s, pads, out_pad, c_in=6, c_out=4, hw=(5, 4)):
    """x -> Conv 3x3 -> ReLU -> ConvTranspose -> y."""
    h, w = hw
    oh = (h - 1) * s - pads[0] - pads[2] + k + out_pad[0]
    ow = (w - 1) * s - pads[1] - pads[3] + k + out_pad[1]
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="enc", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("ConvTranspose", ["r", "wt", "bt"], ["y"], name="up", strides=[s, s], pads=pads,
                              output_padding=out_pad)]
    inits = [numpy_helper.from_array((RNG.standard_normal((c_in, 3, 3, 3)) * 0.3).astype(np.float32), "w0"),
             numpy_helper.from_array((RNG.standard_normal((c_in, c_out, k, k)) * 0.3).astype(np.float32), "wt"),
             numpy_helper.from_array(RNG.standard_normal(c_out).astype(np.float32), "bt")]
    graph = helper.make_graph(nodes, "dec", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, h, w])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, c_out, oh, ow])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("batch, k, s, pads, out_pad", [
    (1, 2, 2, [0, 0, 0, 0], [0, 0]),   # U-Net style 2x2 / 2
    (1, 4, 2, [1, 1, 1, 1], [0, 0]),   # DCGAN style 4x4 / 2 / pad 1
    (2, 3, 2, [1, 1, 1, 1], [1, 1]),   # 3x3 / 2 / output_padding 1, batch 2
    (1, 5, 3, [2, 1, 2, 1], [1, 0]),   # odd stride, uneven output padding
    (1, 3, 1, [1, 1, 1, 1], [0, 0]),   # stride 1: an ordinary conv with flipped taps
])
def test_conv_transpose_verifies(tmp_path, batch, k, s, pads, out_pad):
    model = decoder(tmp_path / "dec.onnx", batch, k, s, pads, out_pad)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((8 * batch, 3, 5, 4)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    names = [op.operation.name for op in compiled.module.body.operations[0].regions[0].blocks[0].operations]
    assert names.count("imc.conv2d") == 2  # the encoder and the phases of the decoder, one conv each
    result = verify(compiled, model, [[RNG.standard_normal((batch, 3, 5, 4)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.995, result


@pytest.mark.parametrize("attrs, match", [
    (dict(pads=[1, 1, 0, 0]), r"pads \[1, 1, 0, 0\]: padding that differs between the two ends"),
    (dict(group=2), r"group 2 \(only 1 is supported\)"),
])
def test_unsupported_conv_transpose_is_refused(tmp_path, attrs, match):
    model = decoder(tmp_path / "dec.onnx", 1, 3, 2, [1, 1, 1, 1], [0, 0])
    m = onnx.load(str(model))
    node = m.graph.node[2]
    for name, value in attrs.items():
        for a in list(node.attribute):
            if a.name == name:
                node.attribute.remove(a)
        node.attribute.append(helper.make_attribute(name, value))
    onnx.save(m, str(model))
    with pytest.raises(UnsupportedOpError, match=r"node 'up' \(ConvTranspose\): " + match) as info:
        compile_model(model, resolve("thetis"), warn=lambda m: None)
    assert "\n" not in str(info.value)
