"""The spiking engine's runtime unit (runtime/units/snn.py): SNN_LIF and SNN_LIF_CONV against
membrane traces worked out by hand (leak, saturation at the membrane width, both reset modes,
refractory periods, convolution windows), its checks, and its measured cost, which follows the
activity."""
import tomllib

import numpy as np
import pytest

from convc.runtime import Program, Stream, StreamBuilder
from convc.runtime.errors import StreamError
from convc.runtime.stream import Op
from convc.runtime.target import parse_target
from convc.runtime.units.imc import pack_weights
from convc.runtime.units.snn import EXPONENTIAL_LEAK, MEMBRANE_OUT, SUBTRACT_RESET
from convc.runtime.validate import validate

TOML = """
name = "snn-test"
clock_mhz = 100
[[cores]]
name = "sne"
l1_size = 65536
[cores.engines.snn]
weight_bits = 4
membrane_bits = 8
max_shift = 15
min_shift = -4
max_neurons = 64
conv_kernels = [3]
leak_modes = ["linear", "exponential"]
refractory = 1
cycles_per_event = 0.5
cycles_per_update = 1
energy_pj_per_event = 2.0
energy_pj_per_update = 1.0
energy_pj_per_spike = 10.0
[memory.l1]
base = 0x10000000
stride = 0x01000000
size = 65536
bandwidth_bytes_per_cycle = 16
energy_pj_per_byte = 0.0
[memory.l2]
base = 0x20000000
size = 65536
bandwidth_bytes_per_cycle = 16
latency_cycles = 1
energy_pj_per_byte = 0.0
[memory.dram]
base = 0x80000000
size = 1048576
bandwidth_bytes_per_cycle = 4
latency_cycles = 10
energy_pj_per_byte = 0.0
"""
TARGET = parse_target(tomllib.loads(TOML))
L1 = TARGET.l1_base(0)
IN, W, PAR, OUT = L1, L1 + 0x1000, L1 + 0x2000, L1 + 0x3000


def run(x, w, params, shift=0, flags=0, target=TARGET):
    """One SNN_LIF over x [steps, n_in]; returns (output [steps, n_out], counters)."""
    x, w = np.asarray(x, np.int8), np.asarray(w)
    steps, n_in = x.shape
    n_out = w.shape[1]
    b = StreamBuilder(target.name, 1, "snn-test")
    b.data(IN, x.reshape(-1))
    b.data(W, np.frombuffer(pack_weights(w, 4), np.uint8))
    b.data(PAR, np.asarray(params, np.int8).reshape(-1))
    b.emit(0, Op.SNN_LIF, flags, in_addr=IN, w_addr=W, params_addr=PAR, out_addr=OUT, steps=steps, n_in=n_in,
           n_out=n_out, shift=shift)
    prog = Program(Stream.decode(b.build().encode()), target)
    counters = prog.run({}).counters
    return prog.memory.read(OUT, steps * n_out).view(np.int8).reshape(steps, n_out).astype(int), counters


def neuron(threshold, leak=0, v_reset=0, refractory=0):
    return [[threshold, leak, v_reset, refractory]]


def test_integrate_and_fire_with_reset_to_zero():
    """One input of weight 3 << 1 = 6 every step, threshold 20: v = 6, 12, 18, 24 -> spike,
    reset to 0; again 6, 12, 18, 24 -> spike."""
    x = np.ones((8, 1))
    vmem, _ = run(x, [[3]], neuron(20), shift=1, flags=MEMBRANE_OUT)
    assert vmem[:, 0].tolist() == [6, 12, 18, 0, 6, 12, 18, 0]
    spikes, _ = run(x, [[3]], neuron(20), shift=1)
    assert spikes[:, 0].tolist() == [0, 0, 0, 1, 0, 0, 0, 1]


def test_reset_by_subtraction_keeps_the_excess():
    """Weight 7 each step, threshold 10, subtract: 7, 14 -> 4, 11 -> 1, 8, 15 -> 5."""
    vmem, _ = run(np.ones((5, 1)), [[7]], neuron(10), flags=MEMBRANE_OUT | SUBTRACT_RESET)
    assert vmem[:, 0].tolist() == [7, 4, 1, 8, 5]


def test_a_negative_shift_divides_the_summed_current_rounding_half_up():
    """Inputs 3 and 2 with weights 5 and 7: I = 29 per step; shift -2 adds (29 + 2) >> 2 = 7,
    and -29 gives (-29 + 2) >> 2 = -7 (half up: -7.25 -> -7). Threshold 20, subtract:
    7, 14, 21 -> 1, 8, 15."""
    x = np.tile([[3, 2]], (5, 1))
    vmem, _ = run(x, [[5], [7]], neuron(20), shift=-2, flags=MEMBRANE_OUT | SUBTRACT_RESET)
    assert vmem[:, 0].tolist() == [7, 14, 1, 8, 15]
    down, _ = run(x, [[-5], [-7]], neuron(20), shift=-2, flags=MEMBRANE_OUT)
    assert down[:, 0].tolist() == [-7, -14, -21, -28, -35]
    half, _ = run(np.ones((1, 1)), [[6]], neuron(20), shift=-2, flags=MEMBRANE_OUT)
    assert half[0, 0] == 2  # 6 / 4 = 1.5 rounds up


def test_linear_leak_moves_towards_zero_by_at_most_leak():
    """Input 7 << 2 = 28 at step 0 only, leak 5: 28, 23, 18, ..., 3, 0, 0 (never past 0); a
    negative membrane leaks upwards the same way."""
    x = np.zeros((9, 1))
    x[0] = 1
    vmem, _ = run(x, [[7]], neuron(100, leak=5), shift=2, flags=MEMBRANE_OUT)
    assert vmem[:, 0].tolist() == [28, 23, 18, 13, 8, 3, 0, 0, 0]
    vmem, _ = run(x, [[-3]], neuron(100, leak=5), shift=2, flags=MEMBRANE_OUT)
    assert vmem[:, 0].tolist() == [-12, -7, -2, 0, 0, 0, 0, 0, 0]


def test_exponential_leak_decays_by_leak_over_256():
    """leak 64: v -= rshift_round(v * 64, 8) = round(v / 4): 100, 75, 56, 42, 31, 23."""
    x = np.zeros((6, 1))
    x[0] = 100
    vmem, _ = run(x, [[1]], neuron(127, leak=64), flags=MEMBRANE_OUT | EXPONENTIAL_LEAK)
    assert vmem[:, 0].tolist() == [100, 75, 56, 42, 31, 23]


def test_the_membrane_saturates_at_its_width():
    """Input currents 90 * 7 each step on an 8-bit membrane: +127 at most, -128 at least."""
    x = np.full((3, 1), 90)
    up, _ = run(x, [[7]], neuron(127), flags=MEMBRANE_OUT)
    down, _ = run(x, [[-7]], neuron(127), flags=MEMBRANE_OUT)
    assert up[:, 0].tolist() == [0, 0, 0]  # 127 >= threshold 127: spikes and resets every step
    assert down[:, 0].tolist() == [-128, -128, -128]
    capped, _ = run(np.full((2, 1), 10), [[7]], neuron(127, v_reset=-5), flags=MEMBRANE_OUT)
    assert capped[:, 0].tolist() == [70, -5]  # 140 saturates to 127, fires, resets to v_reset


def test_a_refractory_neuron_ignores_its_input():
    """Refractory 2: after a spike, two steps without integration."""
    spikes, _ = run(np.ones((8, 1)), [[5]], neuron(10, refractory=2), shift=1)
    assert spikes[:, 0].tolist() == [1, 0, 0, 1, 0, 0, 1, 0]


def test_many_neurons_at_once_match_a_reference_loop():
    rng = np.random.default_rng(3)
    steps, n_in, n_out = 12, 20, 30
    x = (rng.random((steps, n_in)) < 0.3).astype(np.int8)
    w = rng.integers(-8, 8, (n_in, n_out))
    params = np.stack([rng.integers(5, 60, n_out), rng.integers(0, 4, n_out), rng.integers(-10, 5, n_out),
                       np.zeros(n_out, int)], 1)
    got, _ = run(x, w, params, shift=2, flags=SUBTRACT_RESET)
    v = np.zeros(n_out, int)
    want = np.zeros((steps, n_out), int)
    for t in range(steps):
        for n in range(n_out):
            v[n] -= max(-params[n, 1], min(params[n, 1], v[n]))
            v[n] = max(-128, min(127, v[n] + (int(x[t] @ w[:, n]) << 2)))
            if v[n] >= params[n, 0]:
                want[t, n] = 1
                v[n] -= params[n, 0]
    assert np.array_equal(got, want)


def test_the_measured_cost_follows_the_activity():
    """Static price: every input active at every step. Measured: 3 active input-steps x 4
    neurons = 12 synaptic events; cycles 12 * 0.5 + 5 * 4 * 1 updates; energy adds the spikes."""
    x = np.zeros((5, 2))
    x[0, 0] = x[1, 1] = x[3, 0] = 1
    w = np.full((2, 4), 7)
    out, counters = run(x, w, [[5, 0, 0, 0]] * 4)
    spikes = int(out.sum())
    (entry,) = counters.activity
    assert entry["events"] == 12 and entry["spikes"] == spikes == 12 and entry["op"] == "SNN_LIF"
    assert counters.macs == 12
    assert counters.cycles[0] == 12 * 0.5 + 20
    assert counters.energy_uj == pytest.approx((12 * 2.0 + 20 * 1.0 + spikes * 10.0) * 1e-6)
    b = StreamBuilder(TARGET.name, 1, "p")
    b.emit(0, Op.SNN_LIF, in_addr=IN, w_addr=W, params_addr=PAR, out_addr=OUT, steps=5, n_in=2, n_out=4, shift=0)
    (step,) = validate(b.build(), TARGET).steps[0]
    assert step.cycles == 5 * 2 * 4 * 0.5 + 20  # the bound: 40 events


@pytest.mark.parametrize("fields,flags,match", [
    (dict(n_out=65), 0, "has 65 neurons; the engine holds 64"),
    (dict(shift=16), 0, "has shift 16; the engine.s are -4 to 15"),
    (dict(shift=-5), 0, "has shift -5; the engine.s are -4 to 15"),
])
def test_commands_the_engine_cannot_run_are_refused(fields, flags, match):
    b = StreamBuilder(TARGET.name, 1, "bad")
    b.emit(0, Op.SNN_LIF, flags, **{**dict(in_addr=IN, w_addr=W, params_addr=PAR, out_addr=OUT, steps=2, n_in=2,
                                        n_out=4, shift=0), **fields})
    with pytest.raises(StreamError, match=match):
        validate(b.build(), TARGET)


def test_a_linear_only_engine_refuses_an_exponential_leak_and_bad_parameters_fail_at_run_time():
    linear = parse_target(tomllib.loads(TOML.replace('leak_modes = ["linear", "exponential"]', "")
                                        .replace("refractory = 1", "")))
    with pytest.raises(StreamError, match="asks for an exponential leak; the engine's leak is linear"):
        run(np.ones((2, 1)), [[1]], neuron(10), flags=EXPONENTIAL_LEAK, target=linear)
    with pytest.raises(StreamError, match=r"neuron 0 has parameters \[10, 0, 0, 3\].*no refractory period"):
        run(np.ones((2, 1)), [[1]], neuron(10, refractory=3), target=linear)
    with pytest.raises(StreamError, match=r"neuron 0 has parameters \[0, 0, 0, 0\]"):
        run(np.ones((2, 1)), [[1]], neuron(0))


def test_a_leaky_integrator_never_fires():
    """NO_FIRE: weight 7 every step passes threshold 10 without a spike or a reset."""
    from convc.runtime.units.snn import NO_FIRE
    vmem, counters = run(np.ones((4, 1)), [[7]], neuron(10), flags=MEMBRANE_OUT | NO_FIRE)
    assert vmem[:, 0].tolist() == [7, 14, 21, 28] and counters.activity[0]["spikes"] == 0


def run_conv(x, w, params, stride=1, pad=1, shift=0, flags=0):
    """One SNN_LIF_CONV over x [steps, h, w, c_in] with w [c_out, k, k, c_in]."""
    x, w = np.asarray(x, np.int8), np.asarray(w)
    steps, height, width, c_in = x.shape
    c_out, kernel = w.shape[:2]
    oh, ow = ((s + 2 * pad - kernel) // stride + 1 for s in (height, width))
    b = StreamBuilder(TARGET.name, 1, "snn-conv-test")
    b.data(IN, x.reshape(-1))
    b.data(W, np.frombuffer(pack_weights(w, 4), np.uint8))
    b.data(PAR, np.asarray(params, np.int8).reshape(-1))
    b.emit(0, Op.SNN_LIF_CONV, flags, in_addr=IN, w_addr=W, params_addr=PAR, out_addr=OUT, steps=steps,
           height=height, width=width, c_in=c_in, c_out=c_out, kernel=kernel, stride=stride, pad=pad, shift=shift)
    prog = Program(Stream.decode(b.build().encode()), TARGET)
    counters = prog.run({}).counters
    out = prog.memory.read(OUT, steps * oh * ow * c_out).view(np.int8).reshape(steps, oh, ow, c_out)
    return out.astype(int), counters


def two_spikes():
    """Two steps of a 3x3 single-channel raster with spikes at (0, 0) and (1, 1)."""
    x = np.zeros((2, 3, 3, 1))
    x[:, 0, 0] = x[:, 1, 1] = 1
    return x


def test_a_convolutional_layer_sums_each_neurons_window():
    """Channel 0: a 3x3 kernel of ones, threshold 3. With padding 1 every neuron's window holds
    the spike at (1, 1), and the four at (0..1, 0..1) also the one at (0, 0): currents 2 there, 1
    elsewhere, so those four cross 3 at the second step. Channel 1: only the kernel's centre,
    threshold 1: it copies the input, with its own parameters."""
    w = np.zeros((2, 3, 3, 1))
    w[0] = 1
    w[1, 1, 1] = 1
    out, counters = run_conv(two_spikes(), w, [[3, 0, 0, 0], [1, 0, 0, 0]])
    assert out[0, :, :, 0].tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert out[1, :, :, 0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert out[0, :, :, 1].tolist() == out[1, :, :, 1].tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    # an event is one active input reaching one neuron: per step, 4 windows hold 2 spikes and
    # 5 hold 1, each reaching both channels
    (entry,) = counters.activity
    assert entry["op"] == "SNN_LIF_CONV" and entry["events"] == 2 * (4 * 2 + 5 * 1) * 2
    assert entry["neurons"] == 18 and entry["spikes"] == 4 + 2 * 2


def test_a_strided_convolution_keeps_every_other_position():
    x = np.random.default_rng(3).integers(0, 2, (4, 5, 5, 2))
    w = np.random.default_rng(4).integers(-8, 8, (2, 3, 3, 2))
    params = [[5, 1, 0, 0], [2, 0, -2, 0]]
    dense, _ = run_conv(x, w, params, stride=1)
    strided, _ = run_conv(x, w, params, stride=2)
    assert strided.shape == (4, 3, 3, 2) and np.array_equal(strided, dense[:, ::2, ::2]) and dense.sum() > 0


def test_the_runtime_convolution_matches_the_dialects_integer_reference():
    """Two independent implementations of the same layer: runtime/units/snn.py and the
    `snn.lif_conv` reference (convc/dialects/snn.py), with subtraction reset, exponential leak
    and a negative shift."""
    from convc.dialects.snn import lif_conv_reference
    rng = np.random.default_rng(7)
    x = rng.integers(0, 2, (6, 6, 5, 3))
    w = rng.integers(-8, 8, (4, 3, 3, 3))
    params = np.stack([rng.integers(1, 30, 4), rng.integers(0, 40, 4), np.zeros(4, int), np.zeros(4, int)], 1)
    got, _ = run_conv(x, w, params, pad=0, shift=-1, flags=SUBTRACT_RESET | EXPONENTIAL_LEAK)
    want = lif_conv_reference(x, w, params, [1, 1], [0, 0, 0, 0], -1, "subtract", "exponential", "spikes", 8)
    assert got.shape == (6, 4, 3, 4) and np.array_equal(got, want) and got.sum() > 0


@pytest.mark.parametrize("fields,match", [
    (dict(kernel=5), "has a 5x5 kernel; the engine's convolutions are 3x3"),
    (dict(height=8, width=8, c_out=2), "has 128 neurons; the engine holds 64"),
    (dict(pad=3), "no output, or a pad of a whole kernel"),
])
def test_convolutions_the_engine_cannot_run_are_refused(fields, match):
    b = StreamBuilder(TARGET.name, 1, "bad")
    b.emit(0, Op.SNN_LIF_CONV, **{**dict(in_addr=IN, w_addr=W, params_addr=PAR, out_addr=OUT, steps=2, height=4,
                                         width=4, c_in=1, c_out=2, kernel=3, stride=1, pad=1, shift=0), **fields})
    with pytest.raises(StreamError, match=match):
        validate(b.build(), TARGET)


def run_rate(c, steps, seed, dst_stride=None):
    """One SNN_RATE_ENCODE of currents c [rows, n]; returns the L1 raster [steps, rows, dst_stride]."""
    c = np.asarray(c, np.int8)
    rows, n = c.shape
    dst_stride = dst_stride or n
    b = StreamBuilder(TARGET.name, 1, "rate-test")
    b.data(IN, c.reshape(-1))
    b.data(OUT, np.full(steps * rows * dst_stride, 99, np.int8))  # what the encoder must leave alone
    b.emit(0, Op.SNN_RATE_ENCODE, in_addr=IN, out_addr=OUT, steps=steps, rows=rows, n=n, dst_stride=dst_stride,
           seed=seed)
    prog = Program(Stream.decode(b.build().encode()), TARGET)
    prog.run({})
    return prog.memory.read(OUT, steps * rows * dst_stride).view(np.int8).reshape(steps, rows, dst_stride).astype(int)


def test_rate_encoding_fires_with_the_currents_sign_at_their_rate():
    """Rate |c| / 128 with c's sign: 0 never fires, -128 fires at every step, and the others at
    their rate within the spread of 4096 draws; the columns past n are left as they were."""
    c = np.array([[0, 32, -64, 96, 127, -128]])
    out = run_rate(c, 4096, seed=3, dst_stride=8)
    spikes = out[:, 0, :6]
    assert set(np.unique(spikes)) <= {-1, 0, 1}
    assert not spikes[:, 0].any() and np.all(spikes[:, 5] == -1)
    assert np.all(spikes[:, 2] <= 0) and np.all(spikes[:, 1] >= 0)
    rates = np.abs(spikes).mean(axis=0)
    assert np.allclose(rates[1:5], np.array([32, 64, 96, 127]) / 128, atol=0.03), rates
    assert np.all(out[:, 0, 6:] == 99)


def test_rate_encoding_is_a_function_of_the_seed_and_matches_the_dialects_reference():
    from convc.dialects.snn import rate_reference
    c = np.random.default_rng(1).integers(-128, 128, (3, 5))
    a, b, other = run_rate(c, 16, 7), run_rate(c, 16, 7), run_rate(c, 16, 8)
    assert np.array_equal(a, b) and not np.array_equal(a, other)
    assert np.array_equal(a.reshape(16, -1), rate_reference(c.reshape(1, -1), 16, 7).reshape(16, -1))
    # spikes are not correlated from one step to the next
    s = np.abs(run_rate(np.full((1, 64), 64), 256, 2)).reshape(256, -1).astype(float)
    assert abs(np.corrcoef(s[:-1].ravel(), s[1:].ravel())[0, 1]) < 0.05
