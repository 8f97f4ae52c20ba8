"""NIR import (frontend/nir_import.py, driver/nir_compile.py): a dense LIF graph built with the
`nir` package compiles for kraken, runs bit-exactly against the integer reference and close to
the float simulation of the discretised graph; bad NIR input gives one line."""
import importlib.util
import json
from pathlib import Path

import nir
import numpy as np
import pytest

from convc.driver.nir_compile import compile_nir, random_rasters, verify_nir
from convc.errors import ConvcError
from convc.frontend.nir_import import float_simulation, load
from convc.targets import resolve
from helpers import assert_one_line_error, convc

MAKE_NIR = Path(__file__).resolve().parents[2] / "tools" / "make_nir.py"


def _make_nir():
    spec = importlib.util.spec_from_file_location("make_nir", MAKE_NIR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    out = tmp_path_factory.mktemp("nir")
    _make_nir().main(["--out", str(out)])
    return out


def test_a_dense_lif_graph_compiles_runs_and_matches_the_float_simulation(dense, tmp_path):
    proc = convc(dense / "dense_lif.nir", "--target", "kraken", "-o", tmp_path / "out", "--verify")
    assert proc.returncode == 0, proc.stderr
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    assert v["integer_exact"] is True
    # 4-bit weights and an 8-bit membrane against float64: measured 0.575 / 0.46 / 1.0
    assert v["spike_count_agreement"] >= 0.45 and v["spike_count_mean_abs_diff"] <= 0.7
    assert v["argmax_agreement"] >= 0.85
    assert all(s > 0 for s in v["spikes_per_layer"])  # both layers fire: the comparison means something
    assert "spikes per layer" in (tmp_path / "out" / "report.txt").read_text()
    run = convc("run", tmp_path / "out", "-i", dense / "dense_lif.input.npy", "-o", tmp_path / "y.npy",
                "--counters", tmp_path / "c.json")
    assert run.returncode == 0, run.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (8, 16, 10) and set(np.unique(y)) <= {0.0, 1.0}  # [N, T, n_out] spike trains
    activity = json.loads((tmp_path / "c.json").read_text())["per_sample"]["activity"]
    assert [a["neurons"] for a in activity] == [64, 10]


def test_a_leaky_integrator_read_out_records_the_membrane(dense, tmp_path):
    """LI output neurons never fire: the last layer records its membrane (reset "none"), in
    units of the scale simulation chose, and convc run writes real-valued traces."""
    proc = convc(dense / "dense_li.nir", "--target", "kraken", "-o", tmp_path / "out", "--verify")
    assert proc.returncode == 0, proc.stderr
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    # measured: cosine 0.98 (the worst of 8 rasters), argmax 1.0
    assert v["integer_exact"] and v["readout"] == "membrane" and v["membrane_cosine"] >= 0.95
    assert v["argmax_agreement"] >= 0.85 and v["spikes_per_layer"][1] == 0
    assert "SNN_LIF.exp.vmem.nofire" in (tmp_path / "out" / "stream.txt").read_text()
    run = convc("run", tmp_path / "out", "-i", dense / "dense_lif.input.npy", "-o", tmp_path / "y.npy")
    assert run.returncode == 0, run.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (8, 16, 10) and len(np.unique(y)) > 2  # membrane potentials, not spikes


def test_the_discretisation_is_forward_euler_at_dt(dense):
    """A LIF with tau 1 ms at dt 0.1 ms loses 10% of its membrane per step, and an input spike
    adds dt/tau * r * W; halving dt halves both."""
    graph = nir.read(str(dense / "dense_lif.nir"))
    _, layers = load(dense / "dense_lif.nir", 1e-4)
    w = np.asarray(graph.nodes["fc1"].weight)
    assert np.allclose(layers[0].decay, 0.1) and np.allclose(layers[0].drive, 0.1 * w.T)
    _, half = load(dense / "dense_lif.nir", 5e-5)
    assert np.allclose(half[0].decay, 0.05) and np.allclose(half[0].drive, 0.05 * w.T)
    assert np.allclose(layers[1].decay, 0.05)  # the second layer's tau is 2 ms


def test_more_steps_keep_the_mapping_exact(dense):
    result = compile_nir(dense / "dense_lif.nir", resolve("kraken"), timesteps=32)
    rasters = random_rasters(100, 32, count=4, seed=3)
    v = verify_nir(result, rasters)
    assert v["integer_exact"] and v["timesteps"] == 32 and v["argmax_agreement"] >= 0.75
    spikes = float_simulation(result.layers, rasters[0]).sum()
    assert spikes > 0


def _graph(path, *middle, edges=None):
    nodes = {"input": nir.Input(input_type=np.array([4])), **dict(middle),
             "output": nir.Output(output_type=np.array([3]))}
    names = list(nodes)
    nir.write(str(path), nir.NIRGraph(nodes=nodes, edges=edges or list(zip(names, names[1:])), type_check=False))
    return path


def _lif(n=3, **kw):
    return nir.LIF(tau=np.full(n, 1e-3), r=np.ones(n), v_leak=np.full(n, kw.get("v_leak", 0.0)),
                   v_threshold=np.ones(n), v_reset=np.zeros(n))


@pytest.mark.parametrize("middle,needle", [
    ([("fc", nir.Linear(weight=np.ones((3, 4)))), ("delay", nir.Delay(delay=np.ones(3))), ("lif", _lif())],
     "NIR node 'delay' (Delay): synaptic delays are not supported"),
    ([("fc", nir.Linear(weight=np.ones((3, 5)))), ("lif", _lif())],
     "NIR node 'fc' (Linear): weight of shape [3, 5] does not take 4 inputs"),
    ([("fc", nir.Affine(weight=np.ones((3, 4)), bias=np.ones(3))), ("lif", _lif())],
     "NIR node 'fc' (Affine): a non-zero bias"),
    ([("fc", nir.Linear(weight=np.ones((3, 4)))), ("lif", _lif(v_leak=0.5))],
     "NIR node 'lif' (LIF): a non-zero v_leak"),
    ([("lif", _lif(4))], "NIR node 'lif' (LIF) has no synapse"),
    ([("fc", nir.Linear(weight=np.ones((3, 4)))), ("li", nir.LI(tau=np.ones(3) * 1e-3, r=np.ones(3),
                                                               v_leak=np.zeros(3))),
      ("fc2", nir.Linear(weight=np.ones((3, 3)))), ("lif", _lif())],
     "NIR node 'li' (LI) feeds further layers"),
])
def test_bad_nir_graphs_fail_with_one_line_naming_the_node(tmp_path, middle, needle):
    path = _graph(tmp_path / "g.nir", *middle)
    assert_one_line_error(convc(path, "--target", "kraken", "-o", tmp_path / "out"), needle)


def test_a_corrupt_file_and_a_target_without_a_spiking_engine_fail_with_one_line(tmp_path, dense):
    (tmp_path / "bad.nir").write_bytes(b"\x89HDF\r\n garbage")
    assert_one_line_error(convc(tmp_path / "bad.nir", "--target", "kraken", "-o", tmp_path / "o"),
                          "not a readable NIR graph")
    assert_one_line_error(convc(dense / "dense_lif.nir", "--target", "thetis", "-o", tmp_path / "o"),
                          "target thetis has no spiking engine")


def test_the_published_linear_leak_sne_refuses_lif_neurons(tmp_path, dense):
    """kraken with leak_modes = ["linear"] (the SNE as published): a LIF's exponential decay has
    no counterpart, and allocation says so, naming the layer."""
    text = Path(resolve("kraken")).read_text()
    target = tmp_path / "linear.toml"
    target.write_text(text.replace('leak_modes = ["linear", "exponential"]', 'leak_modes = ["linear"]'))
    with pytest.raises(ConvcError, match="fc1.*its leak is exponential; the engine's is linear"):
        compile_nir(dense / "dense_lif.nir", target)


def test_output_state_adds_the_last_layers_membrane_in_nirs_units(dense, tmp_path):
    """--output-state: a second output `state`, the last layer's membrane after each step's
    reset, dequantized by the layer's scale — below the threshold (1.0) wherever it was
    recorded, bit-exact with the integer reference, and compared with the float membrane."""
    proc = convc(dense / "dense_lif.nir", "--target", "kraken", "-o", tmp_path / "out", "--verify", "--output-state")
    assert proc.returncode == 0, proc.stderr
    v = json.loads((tmp_path / "out" / "report.json").read_text())["verify"]
    # measured 0.56: end to end, so every upstream spike-timing difference moves the membrane
    assert v["integer_exact"] is True and v["state_cosine"] > 0.3
    run = convc("run", tmp_path / "out", "-i", dense / "dense_lif.input.npy", "-o", tmp_path / "y.npz")
    assert run.returncode == 0, run.stderr
    with np.load(tmp_path / "y.npz") as z:
        spikes, state = z["output"], z["state"]
    assert spikes.shape == state.shape == (8, 16, 10) and state.max() < 1.0 and np.abs(state).max() > 0.1
    assert_one_line_error(convc(dense / "dense_li.nir", "--target", "kraken", "-o", tmp_path / "li", "--output-state"),
                          "is read out by an LI layer, whose output already is its membrane")


def _scaled_graph(path, with_scales: bool):
    """Input(4) -> [Scale] -> Linear -> [Scale] -> LIF -> Linear -> Threshold; without the scales,
    the same graph with them multiplied into the weights by hand."""
    rng = np.random.default_rng(3)
    w1, w2 = rng.normal(0.5, 1.0, (6, 4)), rng.normal(0.5, 0.5, (3, 6))
    s_in, s_out = np.array([1.0, 2.0, 0.5, 3.0]), np.linspace(0.5, 2.0, 6)
    nodes = {"input": nir.Input(input_type=np.array([4]))}
    if with_scales:
        nodes |= {"s_in": nir.Scale(scale=s_in), "fc1": nir.Linear(weight=w1), "s_out": nir.Scale(scale=s_out)}
    else:
        nodes |= {"fc1": nir.Linear(weight=s_out[:, None] * w1 * s_in[None, :])}
    nodes |= {"lif": _lif(6), "fc2": nir.Linear(weight=w2), "thr": nir.Threshold(threshold=np.full(3, 0.3)),
              "output": nir.Output(output_type=np.array([3]))}
    names = list(nodes)
    nir.write(str(path), nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])), type_check=False))
    return path


def test_scales_fold_into_the_synapses_and_a_threshold_is_a_stateless_layer(tmp_path):
    _, scaled = load(_scaled_graph(tmp_path / "a.nir", True))
    _, folded = load(_scaled_graph(tmp_path / "b.nir", False))
    assert all(np.allclose(a.drive, b.drive) for a, b in zip(scaled, folded))
    thr = scaled[-1]
    assert thr.stateless and thr.neuron == "thr"
    x = random_rasters(4, 16, 1, seed=4)[0]
    hidden = float_simulation(scaled[:1], x)
    # a bare threshold: this step's current alone decides, nothing carries over
    assert np.array_equal(float_simulation(scaled, x), (hidden @ thr.drive > 0.3).astype(float))
    result = compile_nir(tmp_path / "a.nir", resolve("kraken"))
    assert result.quantized[-1].leak == "linear" and np.all(result.quantized[-1].params[:, 1] == 127)
    assert verify_nir(result, random_rasters(4, 16, 4, seed=5))["integer_exact"] is True


def test_a_current_based_neuron_becomes_a_current_layer_and_a_membrane_layer(tmp_path):
    """CubaLIF has two states; the engine's neurons one. The importer makes two layers — leaky
    integrators of the synaptic current (never firing, read out by their membrane) and the
    neurons, fed one to one by that current — whose float simulation equals stepping the
    CubaLIF equations directly (v integrating the same step's current), and whose stream runs
    bit-exactly."""
    rng = np.random.default_rng(2)
    w = rng.normal(0.8, 1.0, (5, 4))
    tau_syn, tau_mem, r = np.full(5, 2e-3), np.linspace(1e-3, 2e-3, 5), np.full(5, 1.5)
    path = _graph(tmp_path / "cuba.nir", ("fc", nir.Linear(weight=w)),
                  ("cuba", nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=r, v_leak=np.zeros(5),
                                       v_threshold=np.ones(5), v_reset=np.zeros(5))))
    _, layers = load(path)
    assert [(layer.name, layer.fires) for layer in layers] == [("fc", False), ("cuba", True)]
    x = random_rasters(4, 32, 1, seed=6)[0].astype(float)
    current, v, want = np.zeros(5), np.zeros(5), np.zeros((32, 5))
    for t in range(32):  # forward Euler at dt = 1e-4, as NIR's equations read
        current = current + 1e-4 / tau_syn * (w @ x[t] - current)
        v = v + 1e-4 / tau_mem * (r * current - v)
        want[t] = v > 1.0
        v = np.where(want[t] > 0, 0.0, v)
    assert want.sum() > 0 and np.array_equal(float_simulation(layers, x), want)
    result = compile_nir(path, resolve("kraken"), timesteps=32)
    assert verify_nir(result, random_rasters(4, 32, 4, seed=7))["integer_exact"] is True
