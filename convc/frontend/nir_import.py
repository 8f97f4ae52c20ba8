"""NIR graphs (PyPI `nir`) → `snn.lif` layers in the engine dialects.

NIR describes neurons in continuous time. The importer discretises them with forward Euler at
`dt` (default 1e-4 s, what snnTorch and Norse do), pairs each synapse node (Affine, Linear)
with the neuron node it feeds (LIF, IF) into one layer, and quantizes the layer to the
target's spiking engine: a membrane scale Δ per layer (the largest threshold at 100 codes),
weight codes of the engine's width with the per-layer shift that fits them, thresholds,
resets and the exponential leak round(256 dt/τ) as codes. `float_simulation` steps the same
discretised network in float64 — the independent reference `--verify` compares spike counts
against.

Supported: Input, Output, Affine (zero bias), Linear, IF, LIF (v_leak 0), LI (v_leak 0) as the
read-out of the last layer (recorded by its membrane), Flatten of a 1-D input. Anything else fails with one line naming the node and its type.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convc.errors import ConvcError

DEFAULT_DT = 1e-4
MEMBRANE_CODES_PER_THRESHOLD = 100  # the largest threshold of a layer, in membrane codes
NOT_YET = {
    "Conv1d": "convolutional synapses are not supported yet",
    "Conv2d": "convolutional synapses are not supported yet",
    "SumPool2d": "pooling is not supported yet",
    "AvgPool2d": "pooling is not supported yet",
    "CubaLIF": "its synaptic current is a second state per neuron, which the engine's neurons do not have",
    "CubaLI": "its synaptic current is a second state per neuron, which the engine's neurons do not have",
    "I": "an integrator never fires; reading a layer out by its membrane is not supported yet",
    "Scale": "a scale between layers is not supported yet",
    "Threshold": "a bare threshold is not supported yet",
    "Delay": "synaptic delays are not supported",
}


@dataclass
class SpikingLayer:
    """One synapse node and the neurons it feeds, discretised at dt (float64)."""
    name: str  # the synapse node: errors and MLIR locations name it
    neuron: str  # the neuron node
    drive: np.ndarray  # [n_in, n_out]: what one input spike adds to the membrane in one step
    decay: np.ndarray  # [n_out]: the fraction of v lost per step, dt / tau (0 for IF)
    threshold: np.ndarray  # [n_out] (inf for a leaky integrator, which never fires)
    v_reset: np.ndarray  # [n_out]
    fires: bool = True  # False: an LI read-out layer, recorded by its membrane


def read_graph(path):
    import nir  # the frontend's only user of the package
    try:
        return nir.read(str(path), type_check=False)  # convc checks the shapes itself, naming the node
    except FileNotFoundError:
        raise ConvcError(f"{path}: no such file") from None
    except Exception as exc:  # h5py and nir raise their own kinds for corrupt or foreign files
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConvcError(f"{path}: not a readable NIR graph ({first})") from None


def _kind(node) -> str:
    return type(node).__name__


def _vector(node, name: str, key: str, n: int) -> np.ndarray:
    value = np.asarray(getattr(node, key), np.float64).reshape(-1)
    if value.size == 1:
        value = np.full(n, value[0])
    if value.shape != (n,):
        raise ConvcError(f"NIR node '{name}' ({_kind(node)}): {key} has {value.size} values for {n} neurons")
    return value


def spiking_layers(graph, dt: float) -> tuple[int, list[SpikingLayer]]:
    """(input size, layers) of a feed-forward chain Input → (synapse → neuron)* → Output."""
    nodes = graph.nodes
    for name, node in nodes.items():
        kind = _kind(node)
        if kind in NOT_YET:
            raise ConvcError(f"NIR node '{name}' ({kind}): {NOT_YET[kind]}")
        if kind not in ("Input", "Output", "Affine", "Linear", "IF", "LIF", "LI", "Flatten"):
            raise ConvcError(f"NIR node '{name}' ({kind}): not a node type convc supports")
    after: dict[str, list[str]] = {}
    for src, dst in graph.edges:
        after.setdefault(src, []).append(dst)
    inputs = [n for n, node in nodes.items() if _kind(node) == "Input"]
    if len(inputs) != 1:
        raise ConvcError(f"the NIR graph has {len(inputs)} Input nodes; convc takes graphs with one")
    shape = [int(d) for d in np.asarray(nodes[inputs[0]].input_type["input"]).reshape(-1)]
    size = int(np.prod(shape))
    chain, name = [], inputs[0]
    while _kind(nodes[name]) != "Output":
        nxt = after.get(name, [])
        if len(nxt) != 1:
            raise ConvcError(f"NIR node '{name}' ({_kind(nodes[name])}) feeds {len(nxt)} nodes; convc takes "
                             f"feed-forward chains (one successor per node)")
        name = nxt[0]
        if name in (n for n, _ in chain):
            raise ConvcError(f"NIR node '{name}' ({_kind(nodes[name])}) closes a cycle: recurrent graphs are not "
                             f"supported")
        chain.append((name, nodes[name]))
    layers, n_in, pending = [], size, None
    for name, node in chain:
        kind = _kind(node)
        if kind == "Output":
            break
        if kind == "Flatten":
            if len(shape) != 1 or pending is not None:
                raise ConvcError(f"NIR node '{name}' (Flatten): only a flatten of a 1-D input is supported")
            continue
        if kind in ("Affine", "Linear"):
            if pending is not None:
                raise ConvcError(f"NIR node '{name}' ({kind}) follows the synapse '{pending[0]}' without neurons "
                                 f"between them; convc pairs each synapse with the neurons it feeds")
            weight = np.asarray(node.weight, np.float64)
            if weight.ndim != 2 or weight.shape[1] != n_in:
                raise ConvcError(f"NIR node '{name}' ({kind}): weight of shape {list(weight.shape)} does not take "
                                 f"{n_in} inputs")
            if kind == "Affine" and np.any(np.asarray(node.bias) != 0):
                raise ConvcError(f"NIR node '{name}' (Affine): a non-zero bias is a constant current, which the "
                                 f"engine's neurons have no input for")
            pending = (name, weight)
            continue
        if kind in ("IF", "LIF", "LI"):
            if layers and not layers[-1].fires:
                raise ConvcError(f"NIR node '{layers[-1].neuron}' (LI) feeds further layers; a leaky integrator "
                                 f"only reads out the last layer")
            if pending is None:
                raise ConvcError(f"NIR node '{name}' ({kind}) has no synapse (Affine or Linear) before it")
            syn, weight = pending
            n = weight.shape[0]
            r = _vector(node, name, "r", n)
            if kind in ("LIF", "LI"):
                tau = _vector(node, name, "tau", n)
                if np.any(_vector(node, name, "v_leak", n) != 0):
                    raise ConvcError(f"NIR node '{name}' ({kind}): a non-zero v_leak is not supported (the engine's "
                                     f"neurons rest at 0)")
                if np.any(tau <= 0):
                    raise ConvcError(f"NIR node '{name}' ({kind}): tau must be positive")
                decay = dt / tau
            else:
                decay = np.zeros(n)
            scale = decay if kind != "IF" else np.full(n, dt)  # forward Euler: dt/tau * r * I, or dt * r * I
            drive = (weight * (scale * r)[:, None]).T
            if kind == "LI":
                layers.append(SpikingLayer(syn, name, drive, decay, np.full(n, np.inf), np.zeros(n), fires=False))
                n_in, pending = n, None
                continue
            threshold = _vector(node, name, "v_threshold", n)
            if np.any(threshold <= 0):
                raise ConvcError(f"NIR node '{name}' ({kind}): thresholds must be positive")
            v_reset = _vector(node, name, "v_reset", n) if node.v_reset is not None else np.zeros(n)
            layers.append(SpikingLayer(syn, name, drive, decay, threshold, v_reset))
            n_in, pending = n, None
            continue
        raise ConvcError(f"NIR node '{name}' ({kind}) cannot appear here")
    if pending is not None:
        raise ConvcError(f"NIR node '{pending[0]}' feeds the output without neurons: convc's layers end in neurons")
    if not layers:
        raise ConvcError("the NIR graph has no spiking layer")
    return size, layers


@dataclass
class QuantizedLayer:
    codes: np.ndarray  # int [n_in, n_out]
    shift: int
    params: np.ndarray  # int [n_out, 4]: threshold, leak, v_reset, refractory
    leak: str  # "linear" or "exponential"
    scale: float  # Δ: one membrane code in the layer's real units


def quantize(layer: SpikingLayer, weight_bits: int, membrane_bits: int, max_shift: int,
             v_peak: float | None = None, min_shift: int = 0) -> QuantizedLayer:
    """The layer's codes. A firing layer's scale comes from its thresholds; a read-out layer's
    from `v_peak`, the largest membrane magnitude seen in simulation, at the same 100 codes."""
    hi = (1 << (membrane_bits - 1)) - 1
    peak = float(layer.threshold.max()) if layer.fires else max(float(v_peak or 0.0), 1e-12)
    scale = peak / min(MEMBRANE_CODES_PER_THRESHOLD, hi)
    wmax = (1 << (weight_bits - 1)) - 1
    units = layer.drive / scale

    def codes_at(shift):
        return np.clip(np.rint(units / 2.0 ** shift), -wmax - 1, wmax).astype(np.int64)

    # The shift with the least squared error: a code range used in full, a few large weights
    # clipped, beats a range that no weight clips but whose codes are half unused.
    shift = min(range(min_shift, max_shift + 1),
                key=lambda s: (float(((codes_at(s) * 2.0 ** s - units) ** 2).sum()), abs(s)))
    codes = codes_at(shift)
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


def float_simulation(layers: list[SpikingLayer], x: np.ndarray) -> np.ndarray:
    """Spikes [T, n_out] of the discretised network on the input raster x [T, n_in] (the
    membrane trace for an LI read-out), in float64 with NIR's semantics: v += -decay * v +
    drive; a spike where v > threshold; v = v_reset."""
    s = np.asarray(x, np.float64)
    for layer in layers:
        v = np.zeros(layer.drive.shape[1])
        out = np.zeros((s.shape[0], layer.drive.shape[1]))
        for t in range(s.shape[0]):
            v = v - layer.decay * v + s[t] @ layer.drive
            fired = v > layer.threshold
            v = np.where(fired, layer.v_reset, v)
            out[t] = fired if layer.fires else v
        s = out
    return s


def load(path: Path, dt: float = DEFAULT_DT) -> tuple[int, list[SpikingLayer]]:
    return spiking_layers(read_graph(path), dt)
