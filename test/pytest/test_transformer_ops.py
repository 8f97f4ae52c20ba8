"""Transformer operators (issue 9): LayerNormalization as one integer dpu.layernorm (DPU_LAYERNORM,
HOST_LAYERNORM; format 1.7) with an integer square root, products of two activations as
dpu.batch_matmul (DPU_BATCH_MATMUL), Gather with constant indices as a slice, and rank-5
transposes merged down to what the DPU's TRANSPOSE takes."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.dialects.integer import isqrt as reference_isqrt
from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.errors import UnsupportedOpError
from convc.runtime import exact
from convc.runtime.stream import Op
from convc.runtime.validate import validate
from convc.targets import resolve

RNG = np.random.default_rng(31)


def save(path, nodes, inputs, output, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, output)],
                              [numpy_helper.from_array(np.asarray(v, np.float32) if v.dtype.kind == "f" else v, k)
                               for k, v in inits])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8), str(path))
    return path


def count(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


def compile_and_verify(tmp_path, model, shapes, target="thetis", n=3):
    np.savez(tmp_path / "calib.npz", **{k: RNG.standard_normal((16 * s[0], *s[1:])).astype(np.float32)
                                        for k, s in shapes.items()})
    compiled = compile_model(model, resolve(target) if "/" not in str(target) else target,
                             calib=tmp_path / "calib.npz", warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    samples = [[RNG.standard_normal(s).astype(np.float32) for s in shapes.values()] for _ in range(n)]
    return compiled, verify(compiled, model, samples)


def linear_layernorm(path, shape, features, affine=True, eps=1e-5):
    """x [..., features] -> MatMul (weights) -> LayerNormalization over the last axis."""
    n = shape[-1]
    w = RNG.standard_normal((features, n)) * (1.0 / np.sqrt(features))
    inits = [("w", w)]
    ln_inputs = ["h", "gamma", "beta"] if affine else ["h", "ones"]
    inits += [("gamma", RNG.uniform(0.5, 1.5, n)), ("beta", RNG.uniform(-0.3, 0.3, n))] if affine else [("ones", np.ones(n))]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
             helper.make_node("LayerNormalization", ln_inputs, ["y"], name="ln", axis=-1, epsilon=eps)]
    return save(path, nodes, [("x", [*shape[:-1], features])], shape, inits)


@pytest.mark.parametrize("shape, affine", [([1, 10, 64], True), ([2, 5, 7], True), ([1, 3, 384], False),
                                           ([4, 33], True)])
def test_layer_norm_is_exact_and_close(tmp_path, shape, affine):
    model = linear_layernorm(tmp_path / "m.onnx", shape, 24, affine)
    compiled, result = compile_and_verify(tmp_path, model, {"x": [*shape[:-1], 24]})
    assert count(compiled.stream, Op.DPU_LAYERNORM) == 1
    for leftover in (Op.DPU_LUT, Op.DPU_MUL, Op.DPU_ADD):
        assert count(compiled.stream, leftover) == 0, leftover
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.995, result


def test_layer_norm_in_the_pre_opset_17_spelling(tmp_path):
    """ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta."""
    n = 16
    const = lambda name, v: helper.make_node("Constant", [], [name], name=name,  # noqa: E731
                                             value=numpy_helper.from_array(np.asarray(v, np.float32), name))
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"), const("two", 2.0), const("eps", 1e-5),
             helper.make_node("ReduceMean", ["h"], ["mu"], name="ln/mean", axes=[-1]),
             helper.make_node("Sub", ["h", "mu"], ["d"], name="ln/sub"),
             helper.make_node("Pow", ["d", "two"], ["d2"], name="ln/pow"),
             helper.make_node("ReduceMean", ["d2"], ["var"], name="ln/var", axes=[-1]),
             helper.make_node("Add", ["var", "eps"], ["ve"], name="ln/add_eps"),
             helper.make_node("Sqrt", ["ve"], ["sd"], name="ln/sqrt"),
             helper.make_node("Div", ["d", "sd"], ["z"], name="ln/div"),
             helper.make_node("Mul", ["z", "gamma"], ["zg"], name="ln/gamma"),
             helper.make_node("Add", ["zg", "beta"], ["y"], name="ln/beta")]
    model = save(tmp_path / "m.onnx", nodes, [("x", [1, 6, 12])], [1, 6, n],
                 [("w", RNG.standard_normal((12, n)) * 0.3), ("gamma", RNG.uniform(0.5, 1.5, n)),
                  ("beta", RNG.uniform(-0.3, 0.3, n))], opset=13)
    compiled, result = compile_and_verify(tmp_path, model, {"x": [1, 6, 12]})
    assert count(compiled.stream, Op.DPU_LAYERNORM) == 1 and count(compiled.stream, Op.DPU_LUT) == 0
    assert result["integer_exact"] is True and result["cosine"] >= 0.995, result


def test_host_runs_layer_norm_and_attention_where_the_dpu_lacks_them(tmp_path, repo_root):
    model = attention(tmp_path / "m.onnx", 1, 6, 8)
    target = repo_root / "test" / "lit" / "Inputs" / "dpu_host.toml"  # its DPU has neither
    compiled, result = compile_and_verify(tmp_path, model, {"q": [1, 6, 8], "k": [1, 6, 8]}, target=target)
    assert count(compiled.stream, Op.HOST_BATCH_MATMUL) == 1 and count(compiled.stream, Op.DPU_BATCH_MATMUL) == 0
    assert result["integer_exact"] is True, result
    model = linear_layernorm(tmp_path / "ln.onnx", [1, 4, 32], 16)
    compiled, result = compile_and_verify(tmp_path, model, {"x": [1, 4, 16]}, target=target)
    assert count(compiled.stream, Op.HOST_LAYERNORM) == 1 and count(compiled.stream, Op.DPU_LAYERNORM) == 0
    assert result["integer_exact"] is True, result


def attention(path, batch, tokens, dim):
    """softmax(q k^T / sqrt(dim)) with q, k model inputs: two activations multiplied."""
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], name="kt", perm=[0, 2, 1]),
             helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
             helper.make_node("Mul", ["s", "scale"], ["ss"], name="scale"),
             helper.make_node("Softmax", ["ss"], ["y"], name="softmax", axis=-1)]
    return save(path, nodes, [("q", [batch, tokens, dim]), ("k", [batch, tokens, dim])], [batch, tokens, tokens],
                [("scale", np.array(1.0 / np.sqrt(dim)))])


@pytest.mark.parametrize("batch, tokens, dim", [(1, 6, 8), (2, 17, 16)])
def test_product_of_two_activations_runs_on_the_dpu(tmp_path, batch, tokens, dim):
    model = attention(tmp_path / "m.onnx", batch, tokens, dim)
    compiled, result = compile_and_verify(tmp_path, model, {"q": [batch, tokens, dim], "k": [batch, tokens, dim]})
    assert count(compiled.stream, Op.DPU_BATCH_MATMUL) == 1 and count(compiled.stream, Op.IMC_MVM) == 0
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result


def gather(path, indices, axis=1):
    idx = np.asarray(indices, np.int64)
    out = [2, 5, 6]
    if idx.ndim == 0:
        del out[axis]
    else:
        out[axis] = idx.size
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Gather", ["r", "idx"], ["y"], name="pick", axis=axis)]
    return save(path, nodes, [("x", [2, 5, 6])], out, [("idx", idx)])


@pytest.mark.parametrize("indices, axis", [(0, 1), (-1, 2), ([1, 2, 3], 1), ([3], 2)])
def test_gather_with_constant_indices_is_a_slice(tmp_path, indices, axis):
    model = gather(tmp_path / "m.onnx", indices, axis)
    compiled, result = compile_and_verify(tmp_path, model, {"x": [2, 5, 6]})
    assert result["integer_exact"] is True and result["cosine"] >= 0.999, result


def test_gather_of_scattered_indices_is_refused(tmp_path):
    model = gather(tmp_path / "m.onnx", [0, 2], 1)
    with pytest.raises(UnsupportedOpError, match=r"node 'pick' \(Gather\): indices \[0, 2\] on axis 1 are not supported"):
        compile_model(model, resolve("thetis"), warn=lambda m: None)


# -- the runtime's integer kernels against the dialects' definitions -------------------------

def test_isqrt_is_exact_where_float_square_roots_are_not():
    v = np.array([0, 1, 2, 3, 4, 15, 16, 17, (1 << 52) + 1, (1 << 62) - 1, (1 << 62), 999999999999999999],
                 np.int64)
    v = np.concatenate([v, RNG.integers(0, 1 << 62, 2000, dtype=np.int64)])
    for isqrt in (exact.isqrt, reference_isqrt):
        r = isqrt(v)
        assert all(int(a) * int(a) <= int(x) < (int(a) + 1) ** 2 for a, x in zip(r, v))


def test_layer_norm_of_a_constant_row_uses_eps_alone():
    """Every c is 0, so the row's output is beta's code; with eps_term 0, r is clamped to 1."""
    from convc.dialects.integer import layer_norm
    x = np.full((2, 8), 5, np.int8)
    for eps in (0, 123456):
        y = layer_norm(x, 3, eps, np.full(8, 1 << 20, np.int32), np.arange(8, dtype=np.int32) << 12, 12, 8)
        assert np.array_equal(y, np.broadcast_to(np.arange(8), (2, 8)))
