"""Softmax (issue 9): torch-mlir's reduce_max/sub/exp/reduce_sum/reciprocal/mul chain becomes one
dpu.softmax (DPU_SOFTMAX, HOST_SOFTMAX; format 1.6) with an integer algorithm: the exponential
of max - x as a 2^16-scaled table, an integer sum and one rounding division per element.
LogSoftmax (reduce_max/sub/exp/reduce_sum/log/sub) becomes one dpu.log_softmax (DPU_LOG_SOFTMAX,
HOST_LOG_SOFTMAX; format 1.8): the same table and sum, then the sum's natural log from its
leading bit and a 256-entry table of the next 8 bits."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.dialects.integer import log_softmax as reference_log_softmax, rshift_round
from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.passes.softmax import exp_table, log_table
from convc.runtime import kernels_rows
from convc.runtime.memory import Memory
from convc.runtime.target import load_target
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(11)


def gemm_softmax(path, batch, features, classes, extra=(), op="Softmax"):
    """x [batch, features] -> Gemm -> Softmax (or LogSoftmax) over the classes (a classifier's output)."""
    w = (RNG.standard_normal((classes, features)) * (2.0 / np.sqrt(features))).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["logits"], name="fc", transB=1),
             helper.make_node(op, ["logits"], ["y"], name="softmax", axis=-1), *extra]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(RNG.standard_normal(classes).astype(np.float32), "b")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, features])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, classes])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


def count(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


@pytest.mark.parametrize("batch, features, classes", [(1, 64, 10), (2, 48, 7), (1, 256, 1000)])
def test_softmax_is_exact_and_close(tmp_path, batch, features, classes):
    model = gemm_softmax(tmp_path / "m.onnx", batch, features, classes)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16 * batch, features)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert count(compiled.stream, Op.DPU_SOFTMAX) == 1
    for leftover in (Op.DPU_LUT, Op.DPU_MUL, Op.DPU_ADD):  # nothing of the chain is left
        assert count(compiled.stream, leftover) == 0, leftover
    result = verify(compiled, model, [[RNG.standard_normal((batch, features)).astype(np.float32)] for _ in range(4)])
    assert result["integer_exact"] is True, result
    # Probabilities within a few output codes of onnxruntime's. (Top-1 is not asserted: two
    # classes 0.014 apart can land on one int8 logit or probability code and tie.)
    assert result["cosine"] >= 0.99 and result["max_abs_error"] <= 0.02, result


def test_host_runs_the_softmax_where_the_dpu_lacks_it(tmp_path, repo_root):
    model = gemm_softmax(tmp_path / "m.onnx", 1, 32, 10)
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 32)).astype(np.float32))
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has no `softmax`
    compiled = compile_model(model, target, calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert count(compiled.stream, Op.HOST_SOFTMAX) == 1 and count(compiled.stream, Op.DPU_SOFTMAX) == 0
    result = verify(compiled, model, [[RNG.standard_normal((1, 32)).astype(np.float32)]])
    assert result["integer_exact"] is True, result


def test_softmax_over_channels_of_a_feature_map_is_refused(tmp_path):
    """Axis 1 of an NCHW map is not innermost: its elements are H*W apart."""
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["a"], name="conv"),
         helper.make_node("Softmax", ["a"], ["y"], name="channel_softmax", axis=1)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 5, 5])],
        [numpy_helper.from_array(RNG.standard_normal((4, 4, 1, 1)).astype(np.float32), "w")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    with pytest.raises(UnsupportedOpError, match=r"node 'channel_softmax' .*softmax over axis 1 of a \[1, 4, 5, 5\] "
                                                 r"tensor is not supported \(only the innermost axis"):
        compile_model(path, resolve("thetis"), warn=lambda m: None)


@pytest.mark.parametrize("batch, features, classes", [(1, 64, 10), (2, 48, 7), (1, 256, 1000), (3, 8, 2)])
def test_log_softmax_is_exact_and_close(tmp_path, batch, features, classes):
    model = gemm_softmax(tmp_path / "m.onnx", batch, features, classes, op="LogSoftmax")
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16 * batch, features)).astype(np.float32))
    compiled = compile_model(model, resolve("thetis"), calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    assert count(compiled.stream, Op.DPU_LOG_SOFTMAX) == 1
    for leftover in (Op.DPU_LUT, Op.DPU_SOFTMAX, Op.DPU_ADD, Op.DPU_MAXPOOL):
        assert count(compiled.stream, leftover) == 0, leftover
    result = verify(compiled, model, [[RNG.standard_normal((batch, features)).astype(np.float32)] for _ in range(4)])
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result


def test_host_runs_the_log_softmax_where_the_dpu_lacks_it(tmp_path, repo_root):
    model = gemm_softmax(tmp_path / "m.onnx", 2, 32, 10, op="LogSoftmax")
    np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((16, 32)).astype(np.float32))
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has no `log_softmax`
    compiled = compile_model(model, target, calib=tmp_path / "calib.npz", warn=lambda m: None)
    assert count(compiled.stream, Op.HOST_LOG_SOFTMAX) == 1 and count(compiled.stream, Op.DPU_LOG_SOFTMAX) == 0
    result = verify(compiled, model, [[RNG.standard_normal((2, 32)).astype(np.float32)]])
    assert result["integer_exact"] is True, result


def test_log_softmax_kernel_by_hand():
    """Row 1: four equal codes, so S = 4 * 2^16 = 2^18, k = 18, mantissa 0, and ln S/2^16 =
    2 * 45426 + log_table[0] = 90852 + 128 (ln 4 = 1.386 in 2^-16 units, plus the table's
    half-step); every output is -(90980 * mult >> shift) = -88.85 -> -89 codes (true: -88.72).
    Row 2: codes 10, 0, 0, 0 with s_in = 0.25 (step 16384): d = 0, 10, 10, 10, S = 2^16 +
    3 * round(2^16 * e^-2.5) = 65536 + 3 * 5380 = 81676, k = 16, mantissa (81676 >> 8) & 255
    = 63, ln = log_table[63] = 14521 (true ln(81676/65536) = 0.2201 = 14427; the 8-bit
    mantissa's error); outputs -(14521 / 1024) = -14.18 -> -14 and -(163840 + 14521) / 1024
    = -174.2, clamped to -128."""
    s_in, s_out = 0.25, 1.0 / 64
    mult, shift = 1 << 30, 40
    assert mult / 2**shift == 2**-16 / s_out
    table = np.concatenate([exp_table(s_in), log_table()]).astype("<i4")
    assert table[256] == 128 and table[256 + 63] == 14521
    x = np.array([[3, 3, 3, 3], [10, 0, 0, 0]], np.int8)
    target = load_target(resolve("thetis"))
    mem, base = Memory(target), target.l1_base(0)
    mem.write(base, x.reshape(-1))
    mem.write(base + 0x100, np.frombuffer(table.tobytes(), np.uint8))
    kernels_rows.log_softmax(mem, dict(in_addr=base, table_addr=base + 0x100, out_addr=base + 0x1000, rows=2, len=4, step=16384,
                                  mult=mult, shift=shift, out_zp=0, clamp_min=-128, clamp_max=127), 0)
    out = mem.read(base + 0x1000, 8).view(np.int8).reshape(2, 4)
    np.testing.assert_array_equal(out, [[-89, -89, -89, -89], [-14, -128, -128, -128]])
    y = reference_log_softmax(x, table[:256], table[256:], 16384)
    np.testing.assert_array_equal(np.clip(rshift_round(y * mult, shift), -128, 127), out)  # the one definition



def test_a_log_softmax_over_one_class_folds_to_a_constant_output_and_is_refused(tmp_path):
    """onnxsim folds log_softmax over an axis of size 1 to zeros: an output that no input reaches."""
    model = gemm_softmax(tmp_path / "m.onnx", 3, 8, 1, op="LogSoftmax")
    with pytest.raises(UnsupportedOpError, match=r"^output 0 of the model is a constant .*must depend on an input$"):
        compile_model(model, resolve("thetis"), warn=lambda m: None)
