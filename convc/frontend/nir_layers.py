"""The layers of a NIR chain, discretised: `SpikingLayer` (one synapse node and the neurons it
feeds, in float64 at dt) and `LayerBuilder`, which walks the chain's nodes and folds what is
linear (Scale, pools, the channels-first flatten) into the synapses. frontend/nir_import.py
reads the graph, quantizes the layers and simulates them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convc.errors import ConvcError


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


def node_kind(node) -> str:
    return type(node).__name__


def fail_at(name, node, message):
    raise ConvcError(f"NIR node '{name}' ({node_kind(node)}): {message}")


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
            fail_at(name, node, f"{key} differs between the neurons of one channel; the engine's convolutional layers "
                              f"share one value per channel")
        return per_channel[:, 0]
    fail_at(name, node, f"{key} has {value.size} values for {n * positions} neurons")


def _pair(value, name, node, key) -> tuple[int, int]:
    v = np.asarray(value).reshape(-1)
    if v.size not in (1, 2) or not np.array_equal(v, np.rint(v)):
        fail_at(name, node, f"{key} {value!r} is not one or two integers")
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


class LayerBuilder:
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
            fail_at(name, node, f"follows the synapse '{self.pending[0]}' without neurons between them; convc pairs "
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
            fail_at(name, node, f"weight of shape {list(weight.shape)} does not take {n_in} inputs")
        if not self.flat:
            fail_at(name, node, f"takes a {self.shape} map without a Flatten before it")
        if kind == "Affine" and np.any(np.asarray(node.bias) != 0):
            fail_at(name, node, "a non-zero bias is a constant current, which the engine's neurons have no input for")
        if self.pool is not None:  # folded: the weight now reads the map before the pool
            c, h, w = self.pool.in_chw
            weight, self.shape, self.pool = self.pool.fold(weight), [c, h, w], None
        if len(self.shape) == 3 and self.hwc:  # the raster is channels last; NIR flattens channels first
            weight = weight.reshape(-1, *self.shape).transpose(0, 2, 3, 1)
        self.pending = (name, node, weight.reshape(weight.shape[0], -1))

    def _conv(self, name, node) -> tuple[np.ndarray, ConvGeometry]:
        if self.pool is not None:
            fail_at(name, node, f"follows the pool '{self.pool.name}': a pool folds only into a dense synapse "
                              f"(Linear, Affine) so far")
        weight = np.asarray(node.weight, np.float64)
        if len(self.shape) != 3 or self.flat or weight.ndim != 4 or weight.shape[1] != self.shape[0]:
            fail_at(name, node, f"weight of shape {list(weight.shape)} does not take a {self.shape} map "
                              f"([C_out, C_in, kh, kw] over [C_in, H, W])")
        if self.input_scale is not None:  # per input channel: a kernel weight reaches every position
            per_channel = self.input_scale[1].reshape(self.shape[0], -1)
            if np.any(per_channel != per_channel[:, :1]):
                raise ConvcError(f"NIR node '{self.input_scale[0]}' (Scale): scales the positions of a channel "
                                 f"differently before the convolution '{name}', whose weights are shared by them")
            weight = weight * per_channel[:, 0].reshape(1, -1, 1, 1)
            self.input_scale = None
        if int(node.groups) != 1 or _pair(node.dilation, name, node, "dilation") != (1, 1):
            fail_at(name, node, "grouped or dilated convolutions are not supported yet")
        if node.bias is not None and np.any(np.asarray(node.bias) != 0):
            fail_at(name, node, "a non-zero bias is a constant current, which the engine's neurons have no input for")
        stride = _pair(node.stride, name, node, "stride")
        kernel = weight.shape[2:]
        if isinstance(node.padding, str):
            if node.padding == "same" and (stride != (1, 1) or kernel[0] % 2 == 0 or kernel[1] % 2 == 0):
                fail_at(name, node, "padding 'same' needs stride 1 and an odd kernel")
            pad = ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2) if node.padding == "same" else (0, 0)
        else:
            pad = _pair(node.padding, name, node, "padding")
        c, h, w = self.shape
        out = (_window_out(h, kernel[0], stride[0], pad[0]), _window_out(w, kernel[1], stride[1], pad[1]))
        if min(out) < 1:
            fail_at(name, node, f"its {kernel[0]}x{kernel[1]} window does not fit the {h}x{w} input")
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
                fail_at(name, node, "thresholds must be positive")
            drive = weight if conv else weight.T
            self._add(SpikingLayer(syn, name, drive, np.ones(n), threshold, np.zeros(n), conv=conv, stateless=True))
            return
        r = _vector(node, name, "r", n, positions)
        if kind in ("LIF", "LI"):
            tau = _vector(node, name, "tau", n, positions)
            if np.any(_vector(node, name, "v_leak", n, positions) != 0):
                fail_at(name, node, "a non-zero v_leak is not supported (the engine's neurons rest at 0)")
            if np.any(tau <= 0):
                fail_at(name, node, "tau must be positive")
            decay = self.dt / tau
        else:
            decay = np.zeros(n)
        scale = decay if kind != "IF" else np.full(n, self.dt)  # forward Euler: dt/tau * r * I, or dt * r * I
        per_channel = (scale * r).reshape(-1, *([1] * (weight.ndim - 1)))
        drive = weight * per_channel if conv else (weight * per_channel).T
        if kind == "LI":
            if conv:
                fail_at(name, node, "a convolutional read-out is not supported; read out through a dense layer")
            layer = SpikingLayer(syn, name, drive, decay, np.full(n, np.inf), np.zeros(n), fires=False)
        else:
            threshold = _vector(node, name, "v_threshold", n, positions)
            if np.any(threshold <= 0):
                fail_at(name, node, "thresholds must be positive")
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
            fail_at(name, node, "a convolutional current-based layer is not supported yet")
        n = weight.shape[0]
        tau_syn, tau_mem = _vector(node, name, "tau_syn", n), _vector(node, name, "tau_mem", n)
        if np.any(tau_syn <= 0) or np.any(tau_mem <= 0):
            fail_at(name, node, "tau_syn and tau_mem must be positive")
        if np.any(_vector(node, name, "v_leak", n) != 0):
            fail_at(name, node, "a non-zero v_leak is not supported (the engine's neurons rest at 0)")
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
            fail_at(name, node, "thresholds must be positive")
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
            fail_at(name, node, f"scales the output of the pool '{self.pool.name}'; a scale next to a pool is not "
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
            fail_at(name, node, f"follows the scale '{self.input_scale[0]}' with no synapse between them")
        factor = np.asarray(node.scale, np.float64)
        size = int(np.prod(self.shape))
        if factor.size not in (1, size) and not (len(self.shape) == 3 and factor.size == self.shape[0]):
            fail_at(name, node, f"has {factor.size} factors for a {self.shape} value")
        if len(self.shape) == 3 and factor.size == self.shape[0]:
            factor = np.repeat(factor.reshape(-1), size // self.shape[0])
        self.input_scale = (name, np.broadcast_to(factor.reshape(-1), (size,)).copy())

    def flatten(self, name, node):
        if self.pending is not None:
            fail_at(name, node, f"follows the synapse '{self.pending[0]}' without neurons between them")
        self.flat = True  # every dimension but time: convc's rasters are [T, values]

    def pool_node(self, name, node, kind):
        if self.pending is not None or len(self.shape) != 3 or self.flat or self.pool is not None:
            fail_at(name, node, f"pools a {'flattened ' if self.flat else ''}{self.shape} value; convc pools the "
                              f"[C, H, W] spikes of a layer (or the input), once, before a dense synapse")
        kernel, stride = _pair(node.kernel_size, name, node, "kernel_size"), _pair(node.stride, name, node, "stride")
        pool = _Pool(name, tuple(self.shape), kernel, stride, _pair(node.padding, name, node, "padding"),
                     kind == "AvgPool2d")
        if min(pool.out_chw()[1:]) < 1:
            fail_at(name, node, f"its {kernel[0]}x{kernel[1]} window does not fit the {self.shape[1:]} map")
        self.pool, self.shape = pool, list(pool.out_chw())
