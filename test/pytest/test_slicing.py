"""Slices that are not crops of a conv's window (issue 9): Split, Slice, the channel groups
of a grouped convolution, at batch 1 and 2, as dpu.slice views where the bytes are contiguous
and dpu.extract strided copies where not; with Sum, Div by a constant and GlobalMaxPool, which
reuse the element-wise and pooling lowerings."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(0)


def weights(*shape):
    return (RNG.standard_normal(shape) * 0.3).astype(np.float32)


def net(name, batch, tail, tail_inits, out_shapes):
    """x [batch, 8, 6, 6] -> Conv 3x3 ("a") -> `tail` nodes -> outputs."""
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="conv0", pads=[1, 1, 1, 1])] + tail
    inits = [numpy_helper.from_array(weights(8, 8, 3, 3), "w0")]
    inits += [numpy_helper.from_array(v, k) for k, v in tail_inits.items()]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [batch, *s]) for n, s in out_shapes.items()]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 8, 6, 6])],
                              outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


CASES = {
    "split": ([helper.make_node("Split", ["a", "sp"], ["b", "c"], name="split", axis=1),
               helper.make_node("Conv", ["c", "w1"], ["y"], name="conv1")],
              {"sp": np.array([3, 5], np.int64), "w1": weights(8, 5, 1, 1)}, {"b": [3, 6, 6], "y": [8, 6, 6]}),
    "slice_hw": ([helper.make_node("Slice", ["a", "st", "en", "ax"], ["y"], name="crop")],
                 {"st": np.array([1, 2], np.int64), "en": np.array([5, 6], np.int64), "ax": np.array([2, 3], np.int64)},
                 {"y": [8, 4, 4]}),
    "grouped": ([helper.make_node("Conv", ["a", "wg"], ["y"], name="gconv", group=4, pads=[1, 1, 1, 1], strides=[2, 2])],
                {"wg": weights(8, 2, 3, 3)}, {"y": [8, 3, 3]}),
    "sum_div_gmp": ([helper.make_node("Sum", ["a", "x", "a"], ["s"], name="sum"),
                     helper.make_node("Div", ["s", "d"], ["q"], name="div"),
                     helper.make_node("GlobalMaxPool", ["q"], ["y"], name="gmp")],
                    {"d": np.array([2.5], np.float32)}, {"y": [8, 1, 1]}),
}


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("case", sorted(CASES))
def test_slices_and_reductions_verify(tmp_path, case, batch):
    path = tmp_path / f"{case}.onnx"
    onnx.save(net(case, batch, *CASES[case]), str(path))
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((8 * batch, 8, 6, 6)).astype(np.float32))
    compiled = compile_model(path, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    result = verify(compiled, path, [[RNG.standard_normal((batch, 8, 6, 6)).astype(np.float32)] for _ in range(2)])
    assert result["integer_exact"] is True, result
    # Sum requantizes twice and the max pool keeps 8 values a sample: less headroom there.
    assert result["cosine"] >= (0.98 if case == "sum_div_gmp" else 0.995), result
    names = {op.operation.name for op in compiled.module.body.operations[0].regions[0].blocks[0].operations}
    if case == "grouped" or (case == "split" and batch == 2):
        assert "dpu.extract" in names  # channels of an NHWC map, or of each image of a batch, are strided
    if case == "split" and batch == 1:
        assert "dpu.slice" in names and "dpu.extract" not in names  # NCHW channels of one image: a view


def test_network_output_that_is_a_crop_of_the_input(tmp_path):
    """A slice straight from input to output: a view of the input, returned (once a traceback)."""
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "st", "en", "ax"], ["y"], name="out_crop")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])],
        [numpy_helper.from_array(np.array([v], np.int64), k) for k, v in (("st", 2), ("en", 5), ("ax", 1))])
    path = tmp_path / "crop.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    compiled = compile_model(path, resolve("thetis"), warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    result = verify(compiled, path, [[RNG.standard_normal((1, 8, 4, 4)).astype(np.float32)]])
    assert result["integer_exact"] is True and result["cosine"] >= 0.999, result


def test_inner_broadcast_of_two_tensors_is_refused(tmp_path):
    """x * GlobalAveragePool(x) (a squeeze-excite gate) in NCHW broadcasts [1, 8, 1, 1] over the
    spatial dimensions, which the DPU's by-repetition broadcast cannot do; it once compiled into
    a silent miscompile (integer_exact, cosine -0.03). Now it is refused, naming the node."""
    model = net("se", 1, [helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
                          helper.make_node("Mul", ["g", "a"], ["y"], name="gate")], {}, {"y": [8, 6, 6]})
    onnx.save(model, str(tmp_path / "se.onnx"))
    with pytest.raises(UnsupportedOpError, match=r"node 'gate' \(tosa.mul\): a \[1, 8, 1, 1\] tensor broadcast over "
                                                 r"a \[1, 8, 6, 6\] one along inner dimensions is not supported"):
        compile_model(tmp_path / "se.onnx", resolve("thetis"), warn=lambda m: None)


def test_strided_slice_is_refused(tmp_path):
    model = net("s2", 1, [helper.make_node("Slice", ["a", "st", "en", "ax", "sp"], ["y"], name="every_other")],
                {"st": np.array([0], np.int64), "en": np.array([6], np.int64), "ax": np.array([3], np.int64),
                 "sp": np.array([2], np.int64)}, {"y": [8, 6, 3]})
    onnx.save(model, str(tmp_path / "s2.onnx"))
    with pytest.raises(UnsupportedOpError, match=r"node 'every_other' \(Slice\): only steps of 1 are supported$"):
        compile_model(tmp_path / "s2.onnx", resolve("thetis"), warn=lambda m: None)
