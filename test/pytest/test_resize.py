"""Resize (issue 9): PyTorch's nearest and both bilinear exports become one DPU_RESIZE per
image (HOST_RESIZE where the DPU lacks it), bit-exact against the integer reference and close
to onnxruntime; every other spelling is refused in one line naming the node."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

NEAREST = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
HALF_PIXEL = dict(mode="linear", coordinate_transformation_mode="half_pixel")
ALIGN_CORNERS = dict(mode="linear", coordinate_transformation_mode="align_corners")


def conv_resize_conv(path, shape, factors, attrs, by_sizes=False):
    """x -> Conv 3x3 -> Resize -> Conv 1x1 -> y: the resize sees a real layer's int8 codes."""
    rng = np.random.default_rng(0)
    n, c, h, w = shape
    out_hw = [int(np.floor(h * np.float64(np.float32(factors[0])))), int(np.floor(w * np.float64(np.float32(factors[1]))))]
    inits = [numpy_helper.from_array((rng.standard_normal((c, c, 3, 3)) * 0.3).astype(np.float32), "w"),
             numpy_helper.from_array((rng.standard_normal((c, c, 1, 1)) * 0.3).astype(np.float32), "w2")]
    if by_sizes:
        inits.append(numpy_helper.from_array(np.array([n, c, *out_hw], np.int64), "sizes"))
        resize_inputs = ["a", "", "", "sizes"]
    else:
        inits.append(numpy_helper.from_array(np.array([1, 1, *factors], np.float32), "scales"))
        resize_inputs = ["a", "", "scales"]
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Resize", resize_inputs, ["r"], name="up", **attrs),
             helper.make_node("Conv", ["r", "w2"], ["y"], name="conv2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, c, *out_hw])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def compile_and_verify(tmp_path, shape, factors, attrs, target=None, by_sizes=False):
    model = conv_resize_conv(tmp_path / "m.onnx", shape, factors, attrs, by_sizes)
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((16, *shape[1:])).astype(np.float32))
    compiled = compile_model(model, target or resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    result = verify(compiled, model, [[rng.standard_normal(shape).astype(np.float32)] for _ in range(3)])
    return compiled, result


def count(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


@pytest.mark.parametrize("shape, factors, attrs, by_sizes", [
    ([1, 4, 5, 6], [2, 2], NEAREST, False),           # the YOLO / FPN upsample
    ([2, 3, 7, 5], [3, 2], NEAREST, True),            # batch 2, odd sizes, given as sizes
    ([1, 3, 7, 5], [4 / 7, 1.6], NEAREST, False),     # down in one axis, up by a fraction in the other
    ([1, 4, 5, 6], [2, 2], HALF_PIXEL, False),        # F.interpolate(bilinear, align_corners=False)
    ([2, 4, 5, 6], [2, 2], ALIGN_CORNERS, False),     # align_corners=True, batch 2
    ([1, 3, 7, 5], [10 / 7, 0.6], ALIGN_CORNERS, False),
    ([1, 3, 7, 5], [4 / 7, 0.6], HALF_PIXEL, True),
])
def test_resize_is_exact_and_close(tmp_path, shape, factors, attrs, by_sizes):
    compiled, result = compile_and_verify(tmp_path, shape, factors, attrs, by_sizes=by_sizes)
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result
    assert count(compiled.stream, Op.DPU_RESIZE) == shape[0]  # one command per image


def test_nearest_reads_floor_coordinates(tmp_path):
    """torch-mlir's tosa.resize for nearest/floor rounds half up; the frontend's corrected
    offset makes output column 1 of a 2x upsample read input column 0, as onnxruntime does.
    Without the correction the cosine against onnxruntime falls to about 0.26."""
    _, result = compile_and_verify(tmp_path, [1, 4, 4, 4], [2, 2], NEAREST)
    assert result["integer_exact"] is True and result["cosine"] >= 0.995, result


def test_host_runs_the_resize_where_the_dpu_lacks_it(tmp_path, repo_root):
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has no `resize`
    compiled, result = compile_and_verify(tmp_path, [1, 4, 5, 6], [2, 2], HALF_PIXEL, target=target)
    assert result["integer_exact"] is True, result
    assert count(compiled.stream, Op.HOST_RESIZE) == 1 and count(compiled.stream, Op.DPU_RESIZE) == 0


@pytest.mark.parametrize("attrs, factors, match", [
    (dict(mode="cubic"), [2, 2], r"node 'up' \(Resize\): cubic/half_pixel is not supported \(supported: nearest"),
    (dict(mode="nearest"), [2, 2], r"nearest/half_pixel/round_prefer_floor is not supported"),
    (dict(NEAREST, nearest_mode="round_prefer_ceil"), [2, 2], r"nearest/asymmetric/round_prefer_ceil is not"),
    (HALF_PIXEL, [1.5, 2.6], r"scales 1.5, 2.6 of a 7x5 input give an output size that double and float"),
])
def test_unsupported_resizes_are_refused_by_name(tmp_path, attrs, factors, match):
    model = conv_resize_conv(tmp_path / "m.onnx", [1, 3, 7, 5], factors, attrs)
    with pytest.raises(UnsupportedOpError, match=match) as info:
        compile_model(model, resolve("thetis"), warn=lambda m: None)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("change, match", [
    (dict(scale_y_d=0), r"command 0 of core 0 \(DPU_RESIZE.bilinear\) has y scale 4/0 and offset -1 outside TOSA's limits"),
    (dict(offset_x=-5), r"has x scale 4/2 and offset -5 outside TOSA's limits"),
    (dict(shift=0), r"has shift 0 outside \[1, 62\]"),
])
def test_runtime_rejects_a_resize_outside_tosa_limits(change, match):
    """The stream is the contract: a corrupt DPU_RESIZE is refused before it executes."""
    from convc.runtime import RESIZE_BILINEAR, StreamBuilder, StreamError, load_target
    target = load_target(resolve("thetis"))
    base = target.l1_base(0)
    fields = dict(in_addr=base, h=3, w=4, c=5, out_h=6, out_w=8, scale_y_n=4, scale_y_d=2, scale_x_n=4,
                  scale_x_d=2, offset_y=-1, offset_x=-1, out_addr=base + 0x1000, in_zp=0, mult=1 << 27,
                  shift=31, out_zp=0, clamp_min=-128, clamp_max=127)
    b = StreamBuilder(target.name, 1, "resize")
    b.emit(0, Op.DPU_RESIZE, RESIZE_BILINEAR, **fields)
    validate(b.build(), target)  # the unchanged command is valid
    b = StreamBuilder(target.name, 1, "resize")
    b.emit(0, Op.DPU_RESIZE, RESIZE_BILINEAR, **{**fields, **change})
    with pytest.raises(StreamError, match=match) as info:
        validate(b.build(), target)
    assert "\n" not in str(info.value)
