"""The snn engine end to end: a module of `snn.lif` layers compiled for kraken by the back-end
passes, run by the runtime, bit-exact with the dialect's reference; allocation's refusals."""
import numpy as np
import pytest

from convc.dialects.snn import lif_reference
from convc.driver import int_reference
from convc.driver.pipeline import compile_engine_module, new_context
from convc.errors import ConvcError
from convc.ir.mlir import ir
from convc.runtime import Program
from convc.runtime.stream import Op
from convc.targets import resolve

RNG = np.random.default_rng(11)


def _dense(values) -> str:
    return "[" + ", ".join(_dense(v) if isinstance(v, (list, np.ndarray)) else str(int(v)) for v in values) + "]"


def two_layers(steps=16, n_in=24, hidden=40, n_out=10, leak="linear", record="spikes", bits=4, neurons=None):
    """x [T, n_in] -> LIF (hidden, subtract reset) -> LIF (n_out, reset to zero) as engine IR."""
    w1 = RNG.integers(-(1 << (bits - 1)), 1 << (bits - 1), (n_in, hidden))
    w2 = RNG.integers(-(1 << (bits - 1)), 1 << (bits - 1), (hidden, neurons or n_out))
    p1 = np.stack([RNG.integers(10, 60, hidden), RNG.integers(0, 3, hidden), np.zeros(hidden, int),
                   np.zeros(hidden, int)], 1)
    n2 = neurons or n_out
    p2 = np.stack([np.full(n2, 30), np.full(n2, 20 if leak == "exponential" else 1), np.full(n2, -2),
                   np.zeros(n2, int)], 1)
    t = lambda *s: "tensor<" + "x".join(map(str, s)) + "xi8>"  # noqa: E731
    lif = ('"snn.lif"({x}, {w}, {p}) {{leak = "{leak}", membrane_bits = 8 : i64, record = "{rec}", '
           'reset = "{reset}", shift = {shift} : i64, weight_bits = {bits} : i64}} : ({a}, {b}, {c}) -> {d}')
    text = f"""
func.func @main(%x: {t(steps, n_in)}) -> {t(steps, n2)} attributes {{convc.input_names = ["spikes"],
    convc.input_scales = [1.0 : f64], convc.input_zps = array<i64: 0>, convc.output_scales = [1.0 : f64],
    convc.output_zps = array<i64: 0>}} {{
  %w1 = arith.constant dense<{_dense(w1)}> : {t(n_in, hidden)}
  %p1 = arith.constant dense<{_dense(p1)}> : {t(hidden, 4)}
  %w2 = arith.constant dense<{_dense(w2)}> : {t(hidden, n2)}
  %p2 = arith.constant dense<{_dense(p2)}> : {t(n2, 4)}
  %h = {lif.format(x="%x", w="%w1", p="%p1", leak="linear", rec="spikes", reset="subtract", shift=2, bits=bits,
                   a=t(steps, n_in), b=t(n_in, hidden), c=t(hidden, 4), d=t(steps, hidden))} loc("hidden")
  %y = {lif.format(x="%h", w="%w2", p="%p2", leak=leak, rec=record, reset="zero", shift=3, bits=bits,
                   a=t(steps, hidden), b=t(hidden, n2), c=t(n2, 4), d=t(steps, n2))} loc("out")
  return %y : {t(steps, n2)}
}}"""
    return text, (w1, p1, w2, p2)


def compile_text(text, target="kraken", annotations=None):
    context = new_context()
    with context:
        module = ir.Module.parse(text)
    return compile_engine_module(module, resolve(target), "snn", ["y"], annotations=annotations)


@pytest.mark.parametrize("leak,record", [("linear", "spikes"), ("exponential", "membrane")])
def test_a_two_layer_snn_runs_on_the_sne_bit_exactly(leak, record):
    text, (w1, p1, w2, p2) = two_layers(leak=leak, record=record)
    compiled = compile_text(text)
    assert sum(c.op is Op.SNN_LIF for c in compiled.stream.queues[0]) == 2  # core 0: the SNE
    x = (RNG.random((16, 24)) < 0.4).astype(np.int8)
    run = Program(compiled.stream, compiled.target).run({"spikes": x})
    with compiled.module.context:
        ref = int_reference.run(compiled.module, [x])[0]
    got = run.outputs_int8["y"]
    assert np.array_equal(got, ref)
    hidden = lif_reference(x, w1, p1, 2, "subtract", "linear", "spikes", 8)
    want = lif_reference(hidden, w2, p2, 3, "zero", leak, record, 8)
    assert np.array_equal(got, want.astype(np.int8))  # and the reference is the layers' definition
    assert hidden.sum() > 0 and (record == "membrane" or want.sum() > 0)  # the test exercises spikes
    spikes = [a["spikes"] for a in run.counters.activity]
    assert spikes[0] == int(hidden.sum()) and len(spikes) == 2


def test_activity_sets_the_measured_cost():
    text, _ = two_layers()
    compiled = compile_text(text)
    program = Program(compiled.stream, compiled.target)
    quiet = program.run({"spikes": np.zeros((16, 24), np.int8)}).counters
    busy = program.run({"spikes": np.ones((16, 24), np.int8)}).counters
    assert quiet.activity[0]["events"] == 0 and busy.activity[0]["events"] == 16 * 24 * 40
    assert quiet.energy_uj < busy.energy_uj and quiet.total_cycles < busy.total_cycles


@pytest.mark.parametrize("kwargs,match", [
    (dict(bits=3), "its weights are 3-bit codes; the engine's are 4-bit"),
    (dict(neurons=9000), "it has 9000 neurons; the engine holds 8192"),
])
def test_layers_the_sne_cannot_take_are_refused_with_the_reason(tmp_path, kwargs, match):
    text, _ = two_layers(n_in=4, hidden=6, **kwargs)
    rules = tmp_path / "r.cva"
    rules.write_text('version 1\nplace "out" on snn\n')
    with pytest.raises(ConvcError, match=match):
        compile_text(text, annotations=rules)
