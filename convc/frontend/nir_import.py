"""NIR graphs (PyPI `nir`) → `snn.lif` and `snn.lif_conv` layers in the engine dialects.

NIR describes neurons in continuous time. The importer discretises them with forward Euler at
`dt` (default 1e-4 s, what snnTorch and Norse do), pairs each synapse node (Affine, Linear,
Conv2d) with the neuron node it feeds (LIF, IF) into one layer, and quantizes the layer to the
target's spiking engine: a membrane scale Δ per layer (the largest threshold at 100 codes),
weight codes of the engine's width with the per-layer shift that fits them, thresholds,
resets and the exponential leak round(256 dt/τ) as codes. `float_simulation` steps the same
discretised network in float64 — the independent reference `--verify` compares spike counts
against.

Supported: Input ([n] or [C, H, W]), Output, Affine (zero bias), Linear, Conv2d (zero bias, no
groups or dilation; its neurons share their parameters per channel), IF, LIF (v_leak 0), LI
(v_leak 0) as the read-out of the last layer (recorded by its membrane), CubaLIF and CubaLI
(v_leak 0; two layers: the synaptic current, then the neurons), Threshold (stateless
neurons: a linear leak of the membrane's whole range empties them before each step), Flatten,
SumPool2d/AvgPool2d before a dense synapse, into whose weights the pool folds exactly (a pool is
linear: each input reaches the pooled positions whose window holds it), and Scale, folded into
the synapse after it (its input columns) or before it (its output rows). Convolutional layers
keep their maps channels last, as convc does; a dense synapse after one reads its weight's
columns in that order. Anything else fails with one line naming the node and its type. The
walk over the chain's nodes and the layers it makes live in frontend/nir_layers.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convc.errors import ConvcError
from convc.frontend.nir_layers import LayerBuilder, SpikingLayer, fail_at, node_kind

DEFAULT_DT = 1e-4
MEMBRANE_CODES_PER_THRESHOLD = 100  # the largest threshold of a layer, in membrane codes
NOT_YET = {
    "Conv1d": "one-dimensional convolutions are not supported yet",
    "I": "an integrator never fires; reading a layer out by its membrane is not supported yet",
    "Delay": "synaptic delays are not supported",
}
SUPPORTED = ("Input", "Output", "Affine", "Linear", "Conv2d", "IF", "LIF", "LI", "CubaLIF", "CubaLI", "Threshold",
             "Flatten", "SumPool2d", "AvgPool2d", "Scale")


def read_graph(path):
    import nir  # the frontend's only user of the package
    try:
        return nir.read(str(path), type_check=False)  # convc checks the shapes itself, naming the node
    except FileNotFoundError:
        raise ConvcError(f"{path}: no such file") from None
    except Exception as exc:  # h5py and nir raise their own kinds for corrupt or foreign files
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConvcError(f"{path}: not a readable NIR graph ({first})") from None


def _chain(graph) -> tuple[str, list]:
    """The Input node and the feed-forward chain of (name, node) after it, to the Output."""
    nodes = graph.nodes
    for name, node in nodes.items():
        kind = node_kind(node)
        if kind in NOT_YET:
            fail_at(name, node, NOT_YET[kind])
        if kind not in SUPPORTED:
            fail_at(name, node, "not a node type convc supports")
    after: dict[str, list[str]] = {}
    for src, dst in graph.edges:
        after.setdefault(src, []).append(dst)
    inputs = [n for n, node in nodes.items() if node_kind(node) == "Input"]
    if len(inputs) != 1:
        raise ConvcError(f"the NIR graph has {len(inputs)} Input nodes; convc takes graphs with one")
    chain, name = [], inputs[0]
    while node_kind(nodes[name]) != "Output":
        nxt = after.get(name, [])
        if len(nxt) != 1:
            raise ConvcError(f"NIR node '{name}' ({node_kind(nodes[name])}) feeds {len(nxt)} nodes; convc takes "
                             f"feed-forward chains (one successor per node)")
        name = nxt[0]
        if name in (n for n, _ in chain):
            raise ConvcError(f"NIR node '{name}' ({node_kind(nodes[name])}) closes a cycle: recurrent graphs are not "
                             f"supported")
        chain.append((name, nodes[name]))
    return inputs[0], chain


def spiking_layers(graph, dt: float) -> tuple[list[int], list[SpikingLayer]]:
    """(input shape, layers) of a feed-forward chain Input → (synapse → neuron)* → Output, with
    Flatten and pools between them."""
    first, chain = _chain(graph)
    shape = [int(d) for d in np.asarray(graph.nodes[first].input_type["input"]).reshape(-1)]
    if len(shape) not in (1, 3):
        raise ConvcError(f"NIR node '{first}' (Input): shape {shape}; convc takes [n] or [C, H, W] inputs")
    b = LayerBuilder(list(shape), dt)
    for name, node in chain:
        kind = node_kind(node)
        if kind == "Output":
            break
        if kind == "Flatten":
            b.flatten(name, node)
        elif kind in ("SumPool2d", "AvgPool2d"):
            b.pool_node(name, node, kind)
        elif kind in ("Affine", "Linear", "Conv2d"):
            b.synapse(name, node, kind)
        elif kind in ("IF", "LIF", "LI", "CubaLIF", "CubaLI", "Threshold"):
            b.neurons(name, node, kind)
        elif kind == "Scale":
            b.scale(name, node)
        else:
            fail_at(name, node, "cannot appear here")
    if b.pending is not None:
        raise ConvcError(f"NIR node '{b.pending[0]}' feeds the output without neurons: convc's layers end in neurons")
    if b.pool is not None:
        raise ConvcError(f"NIR node '{b.pool.name}' pools the output; convc's layers end in neurons")
    if b.input_scale is not None:
        raise ConvcError(f"NIR node '{b.input_scale[0]}' (Scale) scales the output; convc's layers end in neurons")
    if not b.layers:
        raise ConvcError("the NIR graph has no spiking layer")
    if b.layers[-1].conv:
        raise ConvcError(f"NIR node '{b.layers[-1].name}' (Conv2d) is the last layer; convc reads a network out "
                         f"through a dense layer so far")
    return shape, b.layers


@dataclass
class QuantizedLayer:
    codes: np.ndarray  # int [n_in, n_out]
    shift: int
    params: np.ndarray  # int [n_out, 4]: threshold, leak, v_reset, refractory
    leak: str  # "linear" or "exponential"
    scale: float  # Δ: one membrane code in the layer's real units


def quantize(layer: SpikingLayer, weight_bits: int, membrane_bits: int, max_shift: int,
             v_peak: float | None = None, min_shift: int = 0, input_unit: float = 1.0) -> QuantizedLayer:
    """The layer's codes. A firing layer's scale comes from its thresholds; a layer read out by
    its membrane from `v_peak`, the largest membrane magnitude seen in simulation, at the same
    100 codes. `input_unit`: what one code of the layer's input stands for (1 for spikes; the
    scale Δ of a layer read out by its membrane, such as a current-based neuron's current)."""
    hi = (1 << (membrane_bits - 1)) - 1
    peak = float(layer.threshold.max()) if layer.fires else max(float(v_peak or 0.0), 1e-12)
    scale = peak / min(MEMBRANE_CODES_PER_THRESHOLD, hi)
    wmax = (1 << (weight_bits - 1)) - 1
    units = layer.drive * input_unit / scale

    def codes_at(shift):
        return np.clip(np.rint(units / 2.0 ** shift), -wmax - 1, wmax).astype(np.int64)

    # The shift with the least squared error: a code range used in full, a few large weights
    # clipped, beats a range that no weight clips but whose codes are half unused.
    shift = min(range(min_shift, max_shift + 1),
                key=lambda s: (float(((codes_at(s) * 2.0 ** s - units) ** 2).sum()), abs(s)))
    codes = codes_at(shift)
    if layer.stateless:  # a linear leak of the membrane's whole range empties it before each step
        n = len(layer.decay)
        params = np.stack([np.clip(np.rint(layer.threshold / scale), 1, hi), np.full(n, hi), np.zeros(n), np.zeros(n)], 1)
        return QuantizedLayer(codes, shift, params.astype(np.int64), "linear", scale)
    leak_codes = np.rint(layer.decay * 256).astype(np.int64)
    if np.any(leak_codes > 127):
        n = int(np.argmax(leak_codes > 127))
        raise ConvcError(f"NIR node '{layer.neuron}' (LIF): neuron {n} loses {layer.decay[n]:.3g} of its membrane "
                         f"per step at this dt; the engine's leak holds at most 127/256 (use a smaller --dt)")
    threshold = np.clip(np.rint(layer.threshold / scale), 1, hi) if layer.fires else np.full(len(leak_codes), hi)
    params = np.stack([threshold, leak_codes,
                       np.clip(np.rint(layer.v_reset / scale), -hi - 1, hi), np.zeros(len(leak_codes))], 1)
    leak = "exponential" if np.any(leak_codes > 0) else "linear"
    return QuantizedLayer(codes, shift, params.astype(np.int64), leak, scale)


def float_simulation(layers: list[SpikingLayer], x: np.ndarray, last_membrane: bool = False) -> np.ndarray:
    """Spikes [T, n_out] of the discretised network on the input raster x [T, *input shape]
    (the membrane trace for an LI read-out, or with `last_membrane`: the last layer's membrane
    after each step's reset), in float64 with NIR's semantics: v += -decay * v + drive; a spike
    where v > threshold; v = v_reset."""
    s = np.asarray(x, np.float64)
    if layers[0].conv:  # NIR's maps are channels first; the layers' are channels last
        s = s.transpose(0, 2, 3, 1)
    s = s.reshape(s.shape[0], -1)
    for i, layer in enumerate(layers):
        record_v = not layer.fires or (last_membrane and i == len(layers) - 1)
        current = _conv_currents(layer, s) if layer.conv else s @ layer.drive
        channels = layer.decay.shape[0]
        v = np.zeros(current.shape[1:]).reshape(-1, channels)
        out = np.zeros(current.shape)
        for t in range(s.shape[0]):
            v = v - layer.decay * v + current[t].reshape(-1, channels)
            fired = v > layer.threshold
            v = np.where(fired, layer.v_reset, v)
            out[t] = (v if record_v else fired).reshape(-1)
        s = out
    return s


def _conv_currents(layer: SpikingLayer, s: np.ndarray) -> np.ndarray:
    """[T, Ho*Wo*C_out]: the convolution of each step's map (zero padding), by kernel offset."""
    g = layer.conv
    (h, w, c), (ho, wo, _), (sy, sx), (py, px) = g.in_hwc, g.out_hwc, g.stride, g.pad
    maps = np.pad(s.reshape(-1, h, w, c), ((0, 0), (py, py), (px, px), (0, 0)))
    out = np.zeros((s.shape[0], ho, wo, layer.drive.shape[0]))
    for ky in range(layer.drive.shape[1]):
        for kx in range(layer.drive.shape[2]):
            seen = maps[:, ky:ky + sy * (ho - 1) + 1:sy, kx:kx + sx * (wo - 1) + 1:sx]
            out += np.einsum("thwc,oc->thwo", seen, layer.drive[:, ky, kx])
    return out.reshape(s.shape[0], -1)


def load(path: Path, dt: float = DEFAULT_DT) -> tuple[list[int], list[SpikingLayer]]:
    return spiking_layers(read_graph(path), dt)
