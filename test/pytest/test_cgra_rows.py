"""Softmax and layer norm as chains of CGRA kernels (engines/cgra/row_kernels.py): bit-exact
with the DPU's integer definitions on rows that reach the edges of the arithmetic, executed
by the runtime as scheduled, chunked through a small L1, and chosen over the host."""
import math
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc import quant_math as qm
from convc.dialects.cgra_dfg import evaluate
from convc.dialects.integer import div_round, layer_norm
from convc.driver import int_reference
from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.engines.cgra import arith64
from convc.engines.cgra.encode import config_words
from convc.engines.cgra.kernels import NoKernel
from convc.engines.cgra.row_kernels import layernorm_chain, softmax_chain
from convc.engines.cgra.scheduler import schedule
from convc.engines.cgra.steps import evaluate_chain, run_steps
from convc.passes.layer_norm import integer_params
from convc.passes.softmax import exp_table
from convc.runtime.stream import Op
from convc.runtime.units.cgra import CgraSpec, run_kernel
from convc.runtime.units.cgra_config import decode
from convc.targets import resolve
from test_cgra import FlatMemory

RNG = np.random.default_rng(7)


def edge_rows(rows: int, n: int) -> np.ndarray:
    """Random rows, then constant rows, rows of the extremes and one hot rows."""
    x = RNG.integers(-128, 128, (rows, n))
    x[0], x[1], x[2] = -128, 127, 0
    x[3] = np.where(np.arange(n) % 2, 127, -128)
    x[4] = -128
    x[4, n // 2] = 127
    return x.astype(np.int8)


def softmax_reference(x, table, mult, shift, out):
    e = table.astype(np.int64)[x.max(axis=1, keepdims=True).astype(np.int64) - x]
    q = div_round(e * mult, e.sum(axis=1, keepdims=True) << shift)
    return np.clip(out[0] + q, out[1], out[2]).astype(np.int8)


@pytest.mark.parametrize("s_in,s_out,out", [(0.05, 1 / 256, (-128, -128, 127)), (0.5, 1 / 128, (0, 0, 127)),
                                            (0.004, 1 / 1000, (-100, -120, 90))])
def test_softmax_chain_is_the_dpu_softmax(s_in, s_out, out):
    rows, n = 12, 37
    x = edge_rows(rows, n)
    table = exp_table(s_in)
    mult, shift = qm.multiplier(1.0 / s_out)
    got = evaluate_chain(softmax_chain(rows, n, table, mult, shift, out), [x, table]).reshape(rows, n)
    assert np.array_equal(got, softmax_reference(x, table, mult, shift, out))


@pytest.mark.parametrize("n,eps,s_in,s_out,affine", [(48, 1e-5, 0.05, 0.02, True), (7, 1e-2, 0.3, 0.01, False),
                                                     (192, 1e-6, 0.01, 0.05, True)])
def test_layernorm_chain_is_the_dpu_layernorm(n, eps, s_in, s_out, affine):
    rows = 9
    x = edge_rows(rows, n)
    gamma = RNG.uniform(0.2, 3.0, n) * RNG.choice([-1, 1], n) if affine else np.ones(n)
    beta = RNG.uniform(-2, 2, n) if affine else np.zeros(n)
    e, gains, offsets, k, m = integer_params(SimpleNamespace(gamma=gamma, beta=beta, eps=eps), s_in, s_out)
    zp, out = 5, (-3, -128, 127)
    steps = layernorm_chain(rows, n, zp, e, gains, offsets, k, m, out)
    got = evaluate_chain(steps, [x, gains, offsets]).reshape(rows, n)
    want = np.clip(out[0] + layer_norm(x, zp, e, gains, offsets, k, m), out[1], out[2]).astype(np.int8)
    assert np.array_equal(got, want)


def test_division_saturates_and_is_exact_below():
    """udiv_saturated: min(floor(n / d), 255) over 64-bit numerators and 31-bit divisors."""
    b = arith64.Builder()
    n = (b.load(0, width=4, stride=2), b.load(0, width=4, stride=2, offset=1))
    b.store(arith64.udiv_saturated(b, n, b.load(1, width=4), 8), 2, width=4)
    count = 3000
    d = RNG.integers(1, 1 << 31, count)
    num = np.minimum(d * RNG.integers(0, 600, count) + RNG.integers(0, 1 << 31, count) % d, (1 << 62))
    num[:3] = [0, 255 * d[1] + d[1] - 1, 256 * d[2]]  # the edges: zero, the last unsaturated, the first saturated
    kernel = b.finish("div", 1, count, ["n", "d", "q"])
    pairs = np.stack([num >> 32, num & 0xFFFFFFFF], 1).astype(np.uint32)
    got = evaluate(kernel, [pairs.view(np.uint8).reshape(-1), d.astype("<i4").view(np.uint8)], [4 * count])[0]
    assert np.array_equal(got.view("<i4"), np.minimum(num // d, 255))


CORES = {"wide": CgraSpec(8, 2, 4, 64, {"alu": 1, "mul": 1, "lsu": 1}, 64, 1, 1, 1),
         "narrow": CgraSpec(4, 1, 2, 32, {"alu": 1, "mul": 1, "lsu": 1}, 64, 1, 1, 1)}


@pytest.mark.parametrize("core", sorted(CORES))
def test_runtime_runs_the_scheduled_chains_as_defined(core):
    """Each step scheduled on the virtual core, configured and launched by the runtime over
    the previous steps' results: the same bytes as the kernels' definition."""
    vspec = CORES[core]
    rows, n = 6, 24
    x = edge_rows(rows, n)
    table = exp_table(0.1)
    mult, shift = qm.multiplier(200.0)
    gamma, beta = RNG.uniform(0.5, 2, n), RNG.uniform(-1, 1, n)
    e, gains, offsets, k, m = integer_params(SimpleNamespace(gamma=gamma, beta=beta, eps=1e-5), 0.05, 0.03)
    for steps, operands in ((softmax_chain(rows, n, table, mult, shift, (-128, -128, 127)), [x, table]),
                            (layernorm_chain(rows, n, 0, e, gains, offsets, k, m, (0, -128, 127)),
                             [x, gains, offsets])):
        for step, raw, out_bytes, expected in run_steps(steps, operands):
            mem, ports = FlatMemory(1 << 17), []
            for i, data in enumerate(raw):
                mem.write(i * 8192, data)
                ports.append((i * 8192, data.size, False))
            ports += [(len(raw) * 8192, out_bytes, True)] + [(0, 0, False)] * (3 - len(raw))
            sched = schedule(step.kernel, vspec)
            run_kernel(decode(config_words(step.kernel, sched), vspec, sched.ii, sched.length), mem, ports,
                       step.kernel.outer, step.kernel.inner)
            got = mem.read(len(raw) * 8192, out_bytes)
            assert np.array_equal(got, expected.view(np.uint8)), step.kernel.name


def test_bounds_refuse_what_32_bit_words_cannot_hold():
    with pytest.raises(NoKernel, match="beyond 2"):
        softmax_chain(2, 20000, exp_table(0.001), *qm.multiplier(256.0), (-128, -128, 127))
    with pytest.raises(NoKernel, match="2\\^62"):
        layernorm_chain(2, 64, 0, 1 << 60, np.ones(64, np.int64), np.zeros(64, np.int64), 0, 1, (0, -128, 127))


def _norm_softmax_model(path, tokens, dim):
    """x [1, tokens, dim] -> LayerNorm -> MatMul -> Softmax (last axis) -> y."""
    w = numpy_helper.from_array((RNG.standard_normal((dim, dim)) / math.sqrt(dim)).astype(np.float32), "w")
    g = numpy_helper.from_array(RNG.uniform(0.5, 1.5, dim).astype(np.float32), "g")
    bt = numpy_helper.from_array(RNG.uniform(-0.3, 0.3, dim).astype(np.float32), "bt")
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "bt"], ["n"], name="ln", axis=-1),
             helper.make_node("MatMul", ["n", "w"], ["h"], name="fc"),
             helper.make_node("Softmax", ["h"], ["y"], name="sm", axis=-1)]
    vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, tokens, dim])  # noqa: E731
    graph = helper.make_graph(nodes, "g", [vi("x")], [vi("y")], [w, g, bt])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9), str(path))
    return path


def _compile(tmp_path, model, tokens, dim, rules, target="convolve"):
    if not (tmp_path / "calib.npz").exists():  # one calibration for every compile of the test
        np.savez(tmp_path / "calib.npz", x=RNG.standard_normal((6, tokens, dim)).astype(np.float32))
    (tmp_path / "r.cva").write_text("version 1\nprecision \"fc\" weights int8\n" + rules)
    return compile_model(model, resolve(target), calib=tmp_path / "calib.npz", annotations=tmp_path / "r.cva",
                         warn=lambda m: None)


def _count(compiled, op):
    return sum(c.op is op for q in compiled.stream.queues.values() for c in q)


def test_the_cost_model_puts_softmax_and_layer_norm_on_the_cgra_and_they_verify(tmp_path):
    tokens, dim = 16, 32
    model = _norm_softmax_model(tmp_path / "m.onnx", tokens, dim)
    compiled = _compile(tmp_path, model, tokens, dim, "")
    assert _count(compiled, Op.HOST_SOFTMAX) == 0 and _count(compiled, Op.HOST_LAYERNORM) == 0
    assert _count(compiled, Op.CGRA_LAUNCH) >= 7  # 4 layer-norm kernels, 3 softmax kernels
    samples = [[RNG.standard_normal((1, tokens, dim)).astype(np.float32)] for _ in range(2)]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result
    x = [edge_rows(tokens, dim).reshape(1, tokens, dim)]
    on_host = _compile(tmp_path, model, tokens, dim, 'place "ln" on host\nplace "sm" on host\n')
    assert _count(on_host, Op.HOST_SOFTMAX) == 1 and _count(on_host, Op.HOST_LAYERNORM) == 1
    with compiled.module.context:
        cgra = int_reference.run(compiled.module, x)[0]
    with on_host.module.context:
        host = int_reference.run(on_host.module, x)[0]
    assert np.array_equal(cgra, host)  # the kernels' definition is the DPU ops'


def test_rows_stream_through_a_small_l1_in_chunks(tmp_path):
    """A softmax of 512 rows of 128 does not fit the virtual core's 64 KiB L1 whole (its exp
    record alone is 264 KiB): its kernels run in chunks of rows, and still verify."""
    tokens, dim = 512, 128
    model = _norm_softmax_model(tmp_path / "m.onnx", tokens, dim)
    compiled = _compile(tmp_path, model, tokens, dim, 'place "sm" on cgra core 3\nplace "ln" on cgra core 4\n')
    launches = _count(compiled, Op.CGRA_LAUNCH)
    assert launches > 7 and _count(compiled, Op.CGRA_CONFIGURE) == 7, launches
    result = verify(compiled, model, [[RNG.standard_normal((1, tokens, dim)).astype(np.float32)]])
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result
