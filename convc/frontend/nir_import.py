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
(v_leak 0) as the read-out of the last layer (recorded by its membrane), Threshold (stateless
neurons: a linear leak of the membrane's whole range empties them before each step), Flatten,
SumPool2d/AvgPool2d before a dense synapse, into whose weights the pool folds exactly (a pool is
linear: each input reaches the pooled positions whose window holds it), and Scale, folded into
the synapse after it (its input columns) or before it (its output rows). Convolutional layers
keep their maps channels last, as convc does; a dense synapse after one reads its weight's
columns in that order. Anything else fails with one line naming the node and its type.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convc.errors import ConvcError

DEFAULT_DT = 1e-4
MEMBRANE_CODES_PER_THRESHOLD = 100  # the largest threshold of a layer, in membrane codes
NOT_YET = {
    "Conv1d": "one-dimensional convolutions are not supported yet",
    "I": "an integrator never fires; reading a layer out by its membrane is not supported yet",
    "Delay": "synaptic delays are not supported",
}
SUPPORTED = ("Input", "Output", "Affine", "Linear", "Conv2d", "IF", "LIF", "LI", "CubaLIF", "CubaLI", "Threshold",
             "Flatten", "SumPool2d", "AvgPool2d", "Scale")


@dataclass(frozen=True)
class ConvGeometry:
    """A convolutional synapse's window over its input, channels last (HWC), as convc lays
    feature maps out."""
    in_hwc: tuple[int, int, int]
    out_hwc: tuple[int, int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]  # rows and columns of zeros on each side


@dataclass
class SpikingLayer:
    """One synapse node and the neurons it feeds, discretised at dt (float64)."""
    name: str  # the synapse node: errors and MLIR locations name it
    neuron: str  # the neuron node
    drive: np.ndarray  # what one input spike adds to the membrane in one step: [n_in, n_out], or a
    #                    convolution's [c_out, kh, kw, c_in]
    decay: np.ndarray  # [n_out] (per channel for a convolution): the fraction of v lost per step, dt / tau
    threshold: np.ndarray  # [n_out] (inf for a leaky integrator, which never fires)
    v_reset: np.ndarray  # [n_out]
    fires: bool = True  # False: an LI read-out layer, recorded by its membrane
    conv: ConvGeometry | None = None  # None: dense
    stateless: bool = False  # a bare Threshold: v is each step's drive alone (decay 1)

    @property
    def outputs(self) -> int:
        """Output values per time step."""
        return int(np.prod(self.conv.out_hwc)) if self.conv else self.drive.shape[1]


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


def _fail(name, node, message):
    raise ConvcError(f"NIR node '{name}' ({_kind(node)}): {message}")


def _vector(node, name: str, key: str, n: int, positions: int = 1) -> np.ndarray:
    """A neuron parameter per neuron, [n]; for a convolution's neurons (`positions` > 1) one per
    channel, which every position of the channel must share (the engine's layers hold one
    record per channel)."""
    value = np.asarray(getattr(node, key), np.float64).reshape(-1)
    if value.size == 1:
        return np.full(n, value[0])
    if value.size == n:
        return value
    if positions > 1 and value.size == n * positions:
        per_channel = value.reshape(n, positions)
        if np.any(per_channel != per_channel[:, :1]):
            _fail(name, node, f"{key} differs between the neurons of one channel; the engine's convolutional layers "
                              f"share one value per channel")
        return per_channel[:, 0]
    _fail(name, node, f"{key} has {value.size} values for {n * positions} neurons")


def _pair(value, name, node, key) -> tuple[int, int]:
    v = np.asarray(value).reshape(-1)
    if v.size not in (1, 2) or not np.array_equal(v, np.rint(v)):
        _fail(name, node, f"{key} {value!r} is not one or two integers")
    return int(v[0]), int(v[-1])


def _window_out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


@dataclass
class _Pool:
    """A sum (or average) pool waiting for the dense synapse it folds into."""
    name: str
    in_chw: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    average: bool

    def out_chw(self) -> tuple[int, int, int]:
        c, h, w = self.in_chw
        return c, *(_window_out(s, k, st, p) for s, k, st, p in zip((h, w), self.kernel, self.stride, self.pad))

    def fold(self, weight):
        """The dense weight [n_out, C*Hp*Wp] over the pooled map, as weights [n_out, C, H, W]
        over the map before the pool: a pool is linear, so each input reaches every pooled
        position whose window holds it (padding holds nothing)."""
        c, h, w = self.in_chw
        _, hp, wp = self.out_chw()
        pooled = weight.reshape(-1, c, hp, wp) / (np.prod(self.kernel) if self.average else 1)
        full = np.zeros((weight.shape[0], c, h + 2 * self.pad[0], w + 2 * self.pad[1]))
        for y in range(hp):
            for x in range(wp):
                y0, x0 = y * self.stride[0], x * self.stride[1]
                full[:, :, y0:y0 + self.kernel[0], x0:x0 + self.kernel[1]] += pooled[:, :, y, x, None, None]
        return full[:, :, self.pad[0]:self.pad[0] + h, self.pad[1]:self.pad[1] + w]


def _chain(graph) -> tuple[str, list]:
    """The Input node and the feed-forward chain of (name, node) after it, to the Output."""
    nodes = graph.nodes
    for name, node in nodes.items():
        kind = _kind(node)
        if kind in NOT_YET:
            _fail(name, node, NOT_YET[kind])
        if kind not in SUPPORTED:
            _fail(name, node, "not a node type convc supports")
    after: dict[str, list[str]] = {}
    for src, dst in graph.edges:
        after.setdefault(src, []).append(dst)
    inputs = [n for n, node in nodes.items() if _kind(node) == "Input"]
    if len(inputs) != 1:
        raise ConvcError(f"the NIR graph has {len(inputs)} Input nodes; convc takes graphs with one")
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
    return inputs[0], chain


class _Builder:
    """Walks the chain, tracking the shape between nodes in NIR's order ([n], or [C, H, W]) and
    whether convc's raster of it is channels last (after a convolutional layer)."""

    def __init__(self, shape: list[int], dt: float):
        self.shape, self.dt = shape, dt
        self.hwc = False
        self.flat = len(shape) == 1
        self.pending = None  # (name, node, kind-specific synapse) waiting for its neurons
        self.pool: _Pool | None = None
        self.input_scale: tuple[str, np.ndarray] | None = None  # a Scale waiting for the synapse it folds into
        self.layers: list[SpikingLayer] = []

    def synapse(self, name, node, kind):
        if self.pending is not None:
            _fail(name, node, f"follows the synapse '{self.pending[0]}' without neurons between them; convc pairs "
                              f"each synapse with the neurons it feeds")
        if kind == "Conv2d":
            self.pending = (name, node, self._conv(name, node))
            return
        weight = np.asarray(node.weight, np.float64)
        if self.input_scale is not None:  # the scaled values are this synapse's inputs, in NIR's order
            weight = weight * self.input_scale[1].reshape(1, -1)
            self.input_scale = None
        n_in = int(np.prod(self.shape))
        if weight.ndim != 2 or weight.shape[1] != n_in:
            _fail(name, node, f"weight of shape {list(weight.shape)} does not take {n_in} inputs")
        if not self.flat:
            _fail(name, node, f"takes a {self.shape} map without a Flatten before it")
        if kind == "Affine" and np.any(np.asarray(node.bias) != 0):
            _fail(name, node, "a non-zero bias is a constant current, which the engine's neurons have no input for")
        if self.pool is not None:  # folded: the weight now reads the map before the pool
            c, h, w = self.pool.in_chw
            weight, self.shape, self.pool = self.pool.fold(weight), [c, h, w], None
        if len(self.shape) == 3 and self.hwc:  # the raster is channels last; NIR flattens channels first
            weight = weight.reshape(-1, *self.shape).transpose(0, 2, 3, 1)
        self.pending = (name, node, weight.reshape(weight.shape[0], -1))

    def _conv(self, name, node) -> tuple[np.ndarray, ConvGeometry]:
        if self.pool is not None:
            _fail(name, node, f"follows the pool '{self.pool.name}': a pool folds only into a dense synapse "
                              f"(Linear, Affine) so far")
        weight = np.asarray(node.weight, np.float64)
        if len(self.shape) != 3 or self.flat or weight.ndim != 4 or weight.shape[1] != self.shape[0]:
            _fail(name, node, f"weight of shape {list(weight.shape)} does not take a {self.shape} map "
                              f"([C_out, C_in, kh, kw] over [C_in, H, W])")
        if self.input_scale is not None:  # per input channel: a kernel weight reaches every position
            per_channel = self.input_scale[1].reshape(self.shape[0], -1)
            if np.any(per_channel != per_channel[:, :1]):
                raise ConvcError(f"NIR node '{self.input_scale[0]}' (Scale): scales the positions of a channel "
                                 f"differently before the convolution '{name}', whose weights are shared by them")
            weight = weight * per_channel[:, 0].reshape(1, -1, 1, 1)
            self.input_scale = None
        if int(node.groups) != 1 or _pair(node.dilation, name, node, "dilation") != (1, 1):
            _fail(name, node, "grouped or dilated convolutions are not supported yet")
        if node.bias is not None and np.any(np.asarray(node.bias) != 0):
            _fail(name, node, "a non-zero bias is a constant current, which the engine's neurons have no input for")
        stride = _pair(node.stride, name, node, "stride")
        kernel = weight.shape[2:]
        if isinstance(node.padding, str):
            if node.padding == "same" and (stride != (1, 1) or kernel[0] % 2 == 0 or kernel[1] % 2 == 0):
                _fail(name, node, "padding 'same' needs stride 1 and an odd kernel")
            pad = ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2) if node.padding == "same" else (0, 0)
        else:
            pad = _pair(node.padding, name, node, "padding")
        c, h, w = self.shape
        out = (_window_out(h, kernel[0], stride[0], pad[0]), _window_out(w, kernel[1], stride[1], pad[1]))
        if min(out) < 1:
            _fail(name, node, f"its {kernel[0]}x{kernel[1]} window does not fit the {h}x{w} input")
        geometry = ConvGeometry((h, w, c), (*out, weight.shape[0]), stride, pad)
        return weight.transpose(0, 2, 3, 1), geometry  # [C_out, kh, kw, C_in]: channels last

    def neurons(self, name, node, kind):
        if self.layers and not self.layers[-1].fires:
            raise ConvcError(f"NIR node '{self.layers[-1].neuron}' (LI) feeds further layers; a leaky integrator "
                             f"only reads out the last layer")
        if self.pending is None:
            raise ConvcError(f"NIR node '{name}' ({kind}) has no synapse (Affine, Linear or Conv2d) before it")
        syn, _, synapse = self.pending
        conv = synapse[1] if isinstance(synapse, tuple) else None
        weight = synapse[0] if conv else synapse
        n, positions = weight.shape[0], (conv.out_hwc[0] * conv.out_hwc[1] if conv else 1)
        if kind in ("CubaLIF", "CubaLI"):
            self._current_based(name, node, kind, syn, weight, conv)
            return
        if kind == "Threshold":  # stateless: spikes where this step's current exceeds the threshold
            threshold = _vector(node, name, "threshold", n, positions)
            if np.any(threshold <= 0):
                _fail(name, node, "thresholds must be positive")
            drive = weight if conv else weight.T
            self._add(SpikingLayer(syn, name, drive, np.ones(n), threshold, np.zeros(n), conv=conv, stateless=True))
            return
        r = _vector(node, name, "r", n, positions)
        if kind in ("LIF", "LI"):
            tau = _vector(node, name, "tau", n, positions)
            if np.any(_vector(node, name, "v_leak", n, positions) != 0):
                _fail(name, node, "a non-zero v_leak is not supported (the engine's neurons rest at 0)")
            if np.any(tau <= 0):
                _fail(name, node, "tau must be positive")
            decay = self.dt / tau
        else:
            decay = np.zeros(n)
        scale = decay if kind != "IF" else np.full(n, self.dt)  # forward Euler: dt/tau * r * I, or dt * r * I
        per_channel = (scale * r).reshape(-1, *([1] * (weight.ndim - 1)))
        drive = weight * per_channel if conv else (weight * per_channel).T
        if kind == "LI":
            if conv:
                _fail(name, node, "a convolutional read-out is not supported; read out through a dense layer")
            layer = SpikingLayer(syn, name, drive, decay, np.full(n, np.inf), np.zeros(n), fires=False)
        else:
            threshold = _vector(node, name, "v_threshold", n, positions)
            if np.any(threshold <= 0):
                _fail(name, node, "thresholds must be positive")
            v_reset = _vector(node, name, "v_reset", n, positions) if node.v_reset is not None else np.zeros(n)
            layer = SpikingLayer(syn, name, drive, decay, threshold, v_reset, conv=conv)
        self._add(layer)

    def _current_based(self, name, node, kind, syn, weight, conv):
        """A current-based neuron has two states, its synaptic current I and its membrane v; the
        engine's neurons have one. So it becomes two layers: the synapse into leaky integrators
        that never fire and are read out by their membrane (I += dt/tau_syn (w_in W s - I)), and
        one-to-one synapses from them into the neurons (v += dt/tau_mem (r I - v)), which
        integrate the current of the same step."""
        if conv:
            _fail(name, node, "a convolutional current-based layer is not supported yet")
        n = weight.shape[0]
        tau_syn, tau_mem = _vector(node, name, "tau_syn", n), _vector(node, name, "tau_mem", n)
        if np.any(tau_syn <= 0) or np.any(tau_mem <= 0):
            _fail(name, node, "tau_syn and tau_mem must be positive")
        if np.any(_vector(node, name, "v_leak", n) != 0):
            _fail(name, node, "a non-zero v_leak is not supported (the engine's neurons rest at 0)")
        syn_decay, mem_decay = self.dt / tau_syn, self.dt / tau_mem
        w_in, r = _vector(node, name, "w_in", n), _vector(node, name, "r", n)
        current = SpikingLayer(syn, f"{name}.current", (weight * (syn_decay * w_in)[:, None]).T, syn_decay,
                               np.full(n, np.inf), np.zeros(n), fires=False)
        self.layers.append(current)
        drive = np.diag(mem_decay * r)
        if kind == "CubaLI":
            self._add(SpikingLayer(name, name, drive, mem_decay, np.full(n, np.inf), np.zeros(n), fires=False))
            return
        threshold = _vector(node, name, "v_threshold", n)
        if np.any(threshold <= 0):
            _fail(name, node, "thresholds must be positive")
        v_reset = _vector(node, name, "v_reset", n) if node.v_reset is not None else np.zeros(n)
        self._add(SpikingLayer(name, name, drive, mem_decay, threshold, v_reset))

    def _add(self, layer: SpikingLayer):
        self.layers.append(layer)
        self.pending = None
        conv = layer.conv
        if conv:
            h, w, c = conv.out_hwc
            self.shape, self.hwc, self.flat = [c, h, w], True, False
        else:
            self.shape, self.hwc, self.flat = [layer.decay.shape[0]], False, True

    def scale(self, name, node):
        """A Scale folds into the synapse it touches: after one, into its output rows (one factor
        per output neuron, or channel); before one, into its input columns."""
        if self.pool is not None:
            _fail(name, node, f"scales the output of the pool '{self.pool.name}'; a scale next to a pool is not "
                              f"supported yet")
        if self.pending is not None:
            syn, synapse_node, synapse = self.pending
            outputs = (synapse[0].shape[0], synapse[1].out_hwc[0] * synapse[1].out_hwc[1]) if isinstance(synapse, tuple) \
                else (synapse.shape[0], 1)
            factor = _vector(node, name, "scale", *outputs)
            if isinstance(synapse, tuple):
                self.pending = (syn, synapse_node, (synapse[0] * factor.reshape(-1, 1, 1, 1), synapse[1]))
            else:
                self.pending = (syn, synapse_node, synapse * factor.reshape(-1, 1))
            return
        if self.input_scale is not None:
            _fail(name, node, f"follows the scale '{self.input_scale[0]}' with no synapse between them")
        factor = np.asarray(node.scale, np.float64)
        size = int(np.prod(self.shape))
        if factor.size not in (1, size) and not (len(self.shape) == 3 and factor.size == self.shape[0]):
            _fail(name, node, f"has {factor.size} factors for a {self.shape} value")
        if len(self.shape) == 3 and factor.size == self.shape[0]:
            factor = np.repeat(factor.reshape(-1), size // self.shape[0])
        self.input_scale = (name, np.broadcast_to(factor.reshape(-1), (size,)).copy())

    def flatten(self, name, node):
        if self.pending is not None:
            _fail(name, node, f"follows the synapse '{self.pending[0]}' without neurons between them")
        self.flat = True  # every dimension but time: convc's rasters are [T, values]

    def pool_node(self, name, node, kind):
        if self.pending is not None or len(self.shape) != 3 or self.flat or self.pool is not None:
            _fail(name, node, f"pools a {'flattened ' if self.flat else ''}{self.shape} value; convc pools the "
                              f"[C, H, W] spikes of a layer (or the input), once, before a dense synapse")
        kernel, stride = _pair(node.kernel_size, name, node, "kernel_size"), _pair(node.stride, name, node, "stride")
        pool = _Pool(name, tuple(self.shape), kernel, stride, _pair(node.padding, name, node, "padding"),
                     kind == "AvgPool2d")
        if min(pool.out_chw()[1:]) < 1:
            _fail(name, node, f"its {kernel[0]}x{kernel[1]} window does not fit the {self.shape[1:]} map")
        self.pool, self.shape = pool, list(pool.out_chw())


def spiking_layers(graph, dt: float) -> tuple[list[int], list[SpikingLayer]]:
    """(input shape, layers) of a feed-forward chain Input → (synapse → neuron)* → Output, with
    Flatten and pools between them."""
    first, chain = _chain(graph)
    shape = [int(d) for d in np.asarray(graph.nodes[first].input_type["input"]).reshape(-1)]
    if len(shape) not in (1, 3):
        raise ConvcError(f"NIR node '{first}' (Input): shape {shape}; convc takes [n] or [C, H, W] inputs")
    b = _Builder(list(shape), dt)
    for name, node in chain:
        kind = _kind(node)
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
            _fail(name, node, "cannot appear here")
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
