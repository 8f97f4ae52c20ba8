"""Convolutional NIR graphs (frontend/nir_import.py, driver/nir_compile.py): Conv2d layers run
on the SNE as `snn.lif_conv`, a SumPool2d folds into the dense synapse after it, NIR's
channels-first maps become convc's channels-last rasters; the float simulation of the folded,
permuted layers equals a direct channels-first simulation of the graph; bad convolutional
graphs give one line naming the node."""
import importlib.util
import json
from pathlib import Path

import nir
import numpy as np
import pytest

from convc.driver.nir_compile import random_rasters
from convc.frontend.nir_import import float_simulation, load
from helpers import assert_one_line_error, convc

MAKE_NIR = Path(__file__).resolve().parents[2] / "tools" / "make_nir.py"


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("make_nir", MAKE_NIR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("nir")
    module.main(["--out", str(out)])
    return out


def test_a_convolutional_graph_runs_its_convolutions_on_the_sne(graphs, tmp_path):
    proc = convc(graphs / "conv_lif.nir", "--target", "kraken", "-o", tmp_path / "out", "--verify")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    placed = [(layer["op"], layer["engine"]) for layer in report["layers"]]
    assert placed == [("dpu.transpose", "host"), ("snn.lif_conv", "snn"), ("snn.lif_conv", "snn"),
                      ("dpu.reshape", "dpu"), ("snn.lif", "snn")]
    assert [layer.get("stride") for layer in report["layers"][1:3]] == [1, 2]
    v = report["verify"]
    # 4-bit weights and an 8-bit membrane against float64: measured 0.76 / 0.25 / 1.0
    assert v["integer_exact"] is True and v["argmax_agreement"] >= 0.75
    assert v["spike_count_agreement"] >= 0.6 and v["spike_count_mean_abs_diff"] <= 0.5
    assert all(s > 0 for s in v["spikes_per_layer"])
    x = random_rasters([2, 8, 8], 16, 3, seed=5).astype(np.float32)  # [N, T, C, H, W], NIR's order
    np.save(tmp_path / "x.npy", x)
    run = convc("run", tmp_path / "out", "-i", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert run.returncode == 0, run.stderr
    assert np.load(tmp_path / "y.npy").shape == (3, 16, 10)


def _direct_simulation(graph, x, dt=1e-4):
    """The graph stepped in NIR's own layout, [C, H, W], node by node: convolutions by explicit
    windows, the pool and the flatten as the graph has them. Independent of the importer's
    channels-last layers and its folding of the pool."""
    s = np.asarray(x, np.float64)
    names = [dst for _, dst in graph.edges]
    pending = None
    for name in names:
        node = graph.nodes[name]
        kind = type(node).__name__
        if kind == "Conv2d":
            w = node.weight
            xp = np.pad(s, ((0, 0), (0, 0), (1, 1), (1, 1)))
            sy = node.stride[0]
            ho = (s.shape[2] + 2 - 3) // sy + 1
            cur = np.zeros((s.shape[0], w.shape[0], ho, ho))
            for y in range(ho):
                for xx in range(ho):
                    window = xp[:, :, y * sy:y * sy + 3, xx * sy:xx * sy + 3]
                    cur[:, :, y, xx] = np.einsum("tcij,ocij->to", window, w)
            pending = cur
        elif kind == "Linear":
            pending = s @ node.weight.T
        elif kind == "SumPool2d":
            t, c, h, w = s.shape
            s = s.reshape(t, c, h // 2, 2, w // 2, 2).sum(axis=(3, 5))
        elif kind == "Flatten":
            s = s.reshape(s.shape[0], -1)
        elif kind == "LIF":
            decay = dt / node.tau
            v, out = np.zeros(pending.shape[1:]), np.zeros(pending.shape)
            for t in range(pending.shape[0]):
                v = v - decay * v + decay * node.r * pending[t]
                fired = v > node.v_threshold
                v = np.where(fired, node.v_reset, v)
                out[t] = fired
            s = out
    return s


def test_the_folded_channels_last_layers_simulate_the_graph_exactly(graphs):
    """Permuting the flatten's columns to channels last and folding the sum pool into the dense
    weights change nothing: the same spikes as stepping the graph as written."""
    graph = nir.read(str(graphs / "conv_lif.nir"), type_check=False)
    shape, layers = load(graphs / "conv_lif.nir")
    assert shape == [2, 8, 8] and layers[2].drive.shape == (4 * 4 * 8, 10)  # the pool folded: 128 inputs
    for x in random_rasters(shape, 16, 4, seed=2):
        want = _direct_simulation(graph, x)
        assert want.sum() > 0 and np.array_equal(float_simulation(layers, x), want)


def _conv_graph(path, conv, neurons=None, after=()):
    neurons = neurons or nir.LIF(tau=np.full((3, 4, 4), 1e-3), r=np.ones((3, 4, 4)), v_leak=np.zeros((3, 4, 4)),
                                 v_threshold=np.ones((3, 4, 4)), v_reset=np.zeros((3, 4, 4)))
    tail = list(after) or [("flat", nir.Flatten(input_type={"input": np.array([3, 4, 4])}, start_dim=0)),
                           ("fc", nir.Linear(weight=np.ones((2, 48)))),
                           ("lif2", nir.LIF(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2),
                                            v_threshold=np.ones(2), v_reset=np.zeros(2)))]
    nodes = {"input": nir.Input(input_type=np.array([2, 4, 4])), "conv": conv, "lif": neurons, **dict(tail),
             "output": nir.Output(output_type=np.array([2]))}
    names = list(nodes)
    nir.write(str(path), nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])), type_check=False))
    return path


def _conv(kernel=3, padding=1, bias=0.0, groups=1):
    return nir.Conv2d(input_shape=(4, 4), weight=np.ones((3, 2, kernel, kernel)), stride=1, padding=padding,
                      dilation=1, groups=groups, bias=np.full(3, bias))


@pytest.mark.parametrize("conv,neurons,needle", [
    (_conv(kernel=5, padding=2), None, "node 'conv' (snn.lif_conv): no engine of kraken can run it (group 'sne': snn: its kernel is 5x5; the engine's convolutions are 3x3"),
    (_conv(bias=0.5), None, "NIR node 'conv' (Conv2d): a non-zero bias"),
    (_conv(), nir.LIF(tau=np.arange(1, 49).reshape(3, 4, 4) * 1e-3, r=np.ones((3, 4, 4)), v_leak=np.zeros((3, 4, 4)),
                      v_threshold=np.ones((3, 4, 4)), v_reset=np.zeros((3, 4, 4))),
     "NIR node 'lif' (LIF): tau differs between the neurons of one channel"),
    (nir.Conv2d(input_shape=(4, 4), weight=np.ones((3, 3, 3, 3)), stride=1, padding=1, dilation=1, groups=1,
                bias=np.zeros(3)), None, "NIR node 'conv' (Conv2d): weight of shape [3, 3, 3, 3] does not take a [2, 4, 4] map"),
])
def test_bad_convolutional_graphs_fail_with_one_line(tmp_path, conv, neurons, needle):
    path = _conv_graph(tmp_path / "g.nir", conv, neurons)
    assert_one_line_error(convc(path, "--target", "kraken", "-o", tmp_path / "out"), needle)


def test_a_pool_before_a_convolution_and_a_convolutional_read_out_are_refused(tmp_path):
    pool = ("pool", nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])))
    second = ("conv2", nir.Conv2d(input_shape=(2, 2), weight=np.ones((2, 3, 3, 3)), stride=1, padding=1,
                                  dilation=1, groups=1, bias=np.zeros(2)))
    lif = ("lif2", nir.LIF(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2),
                           v_reset=np.zeros(2)))
    path = _conv_graph(tmp_path / "a.nir", _conv(), after=[pool, second, lif])
    assert_one_line_error(convc(path, "--target", "kraken", "-o", tmp_path / "out"),
                          "NIR node 'conv2' (Conv2d): follows the pool 'pool'")
    path = _conv_graph(tmp_path / "b.nir", _conv(), after=[("stop", nir.Output(output_type=np.array([48])))])
    assert_one_line_error(convc(path, "--target", "kraken", "-o", tmp_path / "out"),
                          "NIR node 'conv' (Conv2d) is the last layer")
