"""A spiking neural engine (after Kraken's SNE): layers of integrate-and-fire neurons stepped
over time, SNN_LIF (format 1.11) and SNN_LIF_CONV (1.12), and a seeded rate encoder,
SNN_RATE_ENCODE (1.13).

SNN_LIF runs one dense layer for `steps` time steps. Its input is a [steps, n_in] raster of
int8 values (spikes 0/1, or signed currents for a layer fed directly), its weights a
[n_in, n_out] matrix of `weight_bits`-bit two's-complement codes (packed as IMC weights are),
its parameters one int8 record per neuron: [threshold, leak, v_reset, refractory]. The
membrane v of every neuron starts at 0 and, each step t:

    I      = sum_j input[t, j] * w[j, n]                        exact, int64
             scaled: I << shift, or for a negative shift I >> -shift rounded half up
    leak   linear:      v -= clamp(v, -leak, leak)              (towards 0 by at most leak)
           exponential: v -= rshift_round(v * leak, 8)          (a decay of leak / 256)
    if the neuron is refractory (r > 0): r -= 1, I is ignored
    v      = saturate(v + I, membrane_bits)
    spike  = v >= threshold (never with NO_FIRE: a leaky integrator read out by its membrane)
    reset  zero: v = v_reset     subtract: v -= threshold        where it spiked; r = refractory
    out[t, n] = spike (0/1), or v after the reset with MEMBRANE_OUT

SNN_LIF_CONV runs a convolutional layer the same way: its input raster is [steps, height, width,
c_in] (channels last), its weights [c_out, kernel, kernel, c_in] codes, its parameters one
record per output channel shared by the channel's neurons, and its output [steps, out_h, out_w,
c_out] with out = (size + 2 pad - kernel) / stride + 1. The current of neuron (y, x, n) sums the
kernel's window of the input at (y stride - pad, x stride - pad), the padding contributing 0.

SNN_RATE_ENCODE turns `rows` rows of `n` signed int8 currents c into `steps` rows of spikes
(-1, 0, 1) each, `dst_stride` bytes apart: value j of row r at step t fires, with the sign of c,
when u < |c|, u = rate_uniform(seed, t, r * n + j) in [0, 128) — a Bernoulli (discrete-time
Poisson) train of rate |c| / 128 whose draws are a pure function of (seed, t, index), so any
reader reproduces them bit for bit.

The static price assumes every input active at every step (the scheduler's bound); the unit
measures the real cost of each execution — synaptic events (active inputs times fan-out),
spikes, neuron updates — since an SNN's energy and time depend on its activity. The compiler's
snn dialect defines the same arithmetic independently (convc/dialects/snn.py); the two agree
bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StreamError
from ..geometry import flat, strided
from ..exact import exact_matmul, rshift_round
from ..schema import Table
from .base import Measured, Opcode, Unit
from .imc import packed_size, unpack_weights

__all__ = ["EXPONENTIAL_LEAK", "MEMBRANE_OUT", "NO_FIRE", "PARAMS", "SNN_LIF", "SNN_LIF_CONV", "SNN_RATE_ENCODE",
           "SUBTRACT_RESET", "SnnSpec", "SnnUnit", "conv_out_size", "lif_steps", "rate_spikes"]

SUBTRACT_RESET, EXPONENTIAL_LEAK, MEMBRANE_OUT, NO_FIRE = 1, 2, 4, 8
SNN_LIF = Opcode.from_layout(0x18, "SNN_LIF", "in_addr w_addr params_addr out_addr steps n_in n_out shift(i32)", "snn",
                             {SUBTRACT_RESET: "sub", EXPONENTIAL_LEAK: "exp", MEMBRANE_OUT: "vmem", NO_FIRE: "nofire"}, since_minor=11)
SNN_LIF_CONV = Opcode.from_layout(
    0x19, "SNN_LIF_CONV", "in_addr w_addr params_addr out_addr steps height width c_in c_out kernel stride pad shift(i32)",
    "snn", {SUBTRACT_RESET: "sub", EXPONENTIAL_LEAK: "exp", MEMBRANE_OUT: "vmem", NO_FIRE: "nofire"}, since_minor=12)
SNN_RATE_ENCODE = Opcode.from_layout(0x1A, "SNN_RATE_ENCODE", "in_addr out_addr steps rows n dst_stride seed", "snn",
                                     {}, since_minor=13)
PARAMS = 4  # int8 per neuron: threshold, leak, v_reset, refractory
LEAK_MODES = ("linear", "exponential")


@dataclass(frozen=True)
class SnnSpec:
    weight_bits: int
    membrane_bits: int
    max_shift: int
    min_shift: int  # below 0: the summed current is shifted right (rounded) into the membrane
    max_neurons: int
    conv_kernels: tuple[int, ...]  # the square kernel sizes of convolutional layers; () for none
    leak_modes: tuple[str, ...]
    refractory: bool  # whether neurons may have a refractory period
    cycles_per_event: float  # per synaptic event (one active input reaching one neuron)
    cycles_per_update: float  # per neuron per time step (leak, fire, reset)
    energy_pj_per_event: float
    energy_pj_per_update: float
    energy_pj_per_spike: float

    def membrane_range(self) -> tuple[int, int]:
        return -(1 << (self.membrane_bits - 1)), (1 << (self.membrane_bits - 1)) - 1


def lif_steps(x, w, params, shift: int, flags: int, membrane_bits: int):
    """The layer's output [steps, n_out] (int64) and its spike count, from the input raster
    x [steps, n_in], weights w [n_in, n_out] and params [n_out, 4] (int64 arrays)."""
    current = exact_matmul(x, w) if x.size and w.size else np.zeros((x.shape[0], w.shape[1]), np.int64)
    return lif_integrate(current, params, shift, flags, membrane_bits)


def rate_spikes(c, steps: int, seed: int):
    """[steps, *c.shape] spikes -1/0/1 of the signed currents c (int): sign(c) where the
    step's draw u in [0, 128) is below |c|. u is the top 7 bits of a 32-bit integer hash
    (lowbias32, C. Wellons) of seed * 0x9E3779B9 + t * 0x85EBCA6B + index, all mod 2^32."""
    c = np.asarray(c, np.int64)
    index = np.arange(c.size, dtype=np.uint64).reshape(c.shape)
    key = ((seed * 0x9E3779B9 + np.arange(steps, dtype=np.uint64).reshape(-1, *[1] * c.ndim) * 0x85EBCA6B
            + index) & 0xFFFFFFFF).astype(np.uint64)
    h = key ^ (key >> 16)
    h = (h * 0x7FEB352D) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x846CA68B) & 0xFFFFFFFF
    h ^= h >> 16
    u = (h >> 25).astype(np.int64)
    return np.where(u < np.abs(c), np.sign(c), 0)


def conv_out_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def conv_windows(x, kernel: int, stride: int, pad: int):
    """[steps, out_h, out_w, kernel * kernel * c_in]: each output position's window of the
    raster x [steps, h, w, c_in] in (ky, kx, c) order, padding 0."""
    steps, h, w, c = x.shape
    oh, ow = conv_out_size(h, kernel, stride, pad), conv_out_size(w, kernel, stride, pad)
    xp = np.zeros((steps, h + 2 * pad, w + 2 * pad, c), x.dtype)
    xp[:, pad:pad + h, pad:pad + w] = x
    out = np.empty((steps, oh, ow, kernel, kernel, c), x.dtype)
    for ky in range(kernel):
        for kx in range(kernel):
            out[:, :, :, ky, kx] = xp[:, ky:ky + stride * (oh - 1) + 1:stride, kx:kx + stride * (ow - 1) + 1:stride]
    return out.reshape(steps, oh, ow, -1)


def lif_integrate(current, params, shift: int, flags: int, membrane_bits: int):
    """Steps neurons [n] through current [steps, n] (the unscaled weighted input sums)."""
    lo, hi = -(1 << (membrane_bits - 1)), (1 << (membrane_bits - 1)) - 1
    threshold, leak, v_reset, refractory = (params[:, k] for k in range(PARAMS))
    current = current << shift if shift >= 0 else rshift_round(current, -shift)
    n = current.shape[1]
    v = np.zeros(n, np.int64)
    wait = np.zeros(n, np.int64)
    out = np.zeros(current.shape, np.int64)
    spikes = 0
    for t in range(current.shape[0]):
        if flags & EXPONENTIAL_LEAK:
            v = v - ((v * leak + 128) >> 8)
        else:
            v = v - np.clip(v, -leak, leak)
        active = wait == 0
        wait = np.where(active, 0, wait - 1)
        v = np.clip(v + np.where(active, current[t], 0), lo, hi)
        fired = (v >= threshold) & (not flags & NO_FIRE)
        spikes += int(fired.sum())
        v = np.where(fired, v - threshold if flags & SUBTRACT_RESET else v_reset, v)
        wait = np.where(fired, refractory, wait)
        out[t] = v if flags & MEMBRANE_OUT else fired
    return out, spikes


@dataclass
class SnnState:
    """A core's engine during execution: its spec, and the cost of the command just run."""
    spec: SnnSpec
    measured: Measured | None = None


@dataclass(frozen=True)
class _Shape:
    """What one SNN command moves and computes, per time step where it says so."""
    inputs: int  # input raster values per step
    weights: int  # weight codes
    channels: int  # parameter records
    neurons: int  # output raster values per step
    synapses: int  # weight uses per step with every input active (the static price's events)


def _shape(cmd) -> _Shape:
    f = cmd.fields
    if cmd.op is SNN_LIF:
        return _Shape(f["n_in"], f["n_in"] * f["n_out"], f["n_out"], f["n_out"], f["n_in"] * f["n_out"])
    k = f["kernel"]
    oh, ow = (conv_out_size(f[d], k, f["stride"], f["pad"]) for d in ("height", "width"))
    return _Shape(f["height"] * f["width"] * f["c_in"], f["c_out"] * k * k * f["c_in"], f["c_out"],
                  max(oh, 0) * max(ow, 0) * f["c_out"], max(oh, 0) * max(ow, 0) * k * k * f["c_in"] * f["c_out"])


class SnnUnit(Unit):
    kind = "snn"
    opcodes = (SNN_LIF, SNN_LIF_CONV, SNN_RATE_ENCODE)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = SnnSpec(
            weight_bits=t.integer("weight_bits"), membrane_bits=t.integer("membrane_bits"),
            max_shift=t.integer("max_shift", 0, minimum=0), min_shift=t.integer("min_shift", 0, minimum=-24),
            max_neurons=t.integer("max_neurons"), conv_kernels=t.odd_integers("conv_kernels", ()),
            leak_modes=t.choices("leak_modes", LEAK_MODES, ("linear",)),
            refractory=bool(t.integer("refractory", 0, minimum=0)),
            cycles_per_event=t.number("cycles_per_event", allow_zero=True),
            cycles_per_update=t.number("cycles_per_update", allow_zero=True),
            energy_pj_per_event=t.number("energy_pj_per_event", allow_zero=True),
            energy_pj_per_update=t.number("energy_pj_per_update", allow_zero=True),
            energy_pj_per_spike=t.number("energy_pj_per_spike", allow_zero=True))
        if not 2 <= spec.weight_bits <= 8:
            t.fail("weight_bits", f"is {spec.weight_bits}; weights are 2 to 8 bits")
        if not 2 <= spec.membrane_bits <= 8:  # membranes travel as int8 with MEMBRANE_OUT
            t.fail("membrane_bits", f"is {spec.membrane_bits}; membranes are 2 to 8 bits")
        if spec.max_shift > 24:
            t.fail("max_shift", f"is {spec.max_shift}; at most 24")
        if spec.min_shift > 0:
            t.fail("min_shift", f"is {spec.min_shift}; at most 0")
        t.finish()
        return spec

    def check(self, cmd, spec, state, target):
        if cmd.op is SNN_RATE_ENCODE:
            f = cmd.fields
            return (f"has dst_stride {f['dst_stride']} below its {f['n']} values per row"
                    if f["dst_stride"] < f["n"] else None)
        f, shape = cmd.fields, _shape(cmd)
        if cmd.op is SNN_LIF_CONV:
            if f["kernel"] not in spec.conv_kernels:
                kernels = ", ".join(f"{k}x{k}" for k in spec.conv_kernels) or "none"
                return f"has a {f['kernel']}x{f['kernel']} kernel; the engine's convolutions are {kernels}"
            if f["stride"] < 1 or f["pad"] >= f["kernel"] or shape.neurons == 0:
                return (f"has stride {f['stride']} and pad {f['pad']} for a {f['height']}x{f['width']} input and a "
                        f"{f['kernel']}x{f['kernel']} kernel: no output, or a pad of a whole kernel")
        if shape.neurons > spec.max_neurons:
            return f"has {shape.neurons} neurons; the engine holds {spec.max_neurons}"
        if not spec.min_shift <= f["shift"] <= spec.max_shift:
            return f"has shift {f['shift']}; the engine's are {spec.min_shift} to {spec.max_shift}"
        if cmd.flags & EXPONENTIAL_LEAK and "exponential" not in spec.leak_modes:
            return "asks for an exponential leak; the engine's leak is " + " or ".join(spec.leak_modes)
        if not cmd.flags & EXPONENTIAL_LEAK and "linear" not in spec.leak_modes:
            return "asks for a linear leak; the engine's leak is " + " or ".join(spec.leak_modes)
        return None

    def new_static(self, spec, core):
        return spec  # what accesses() needs: the weights' packing

    def accesses(self, cmd, state):
        f = cmd.fields
        if cmd.op is SNN_RATE_ENCODE:
            return [flat("in_addr", False, f["in_addr"], f["rows"] * f["n"]),
                    strided("out_addr", True, f["out_addr"], f["steps"] * f["rows"], f["n"], f["dst_stride"])]
        shape = _shape(cmd)
        return [flat("in_addr", False, f["in_addr"], f["steps"] * shape.inputs),
                flat("w_addr", False, f["w_addr"], packed_size(shape.weights, state.weight_bits)),
                flat("params_addr", False, f["params_addr"], PARAMS * shape.channels),
                flat("out_addr", True, f["out_addr"], f["steps"] * shape.neurons)]

    def price(self, cmd, spec, state, target):
        """Every input active at every step: the bound the schedule may rely on. An encoder
        draws once per value per step, priced as a neuron update."""
        if cmd.op is SNN_RATE_ENCODE:
            f = cmd.fields
            draws = f["steps"] * f["rows"] * f["n"]
            return self._cost(spec, 0, draws, 0)
        shape, steps = _shape(cmd), cmd.fields["steps"]
        return self._cost(spec, steps * shape.synapses, steps * shape.neurons, steps * shape.neurons)

    @staticmethod
    def _cost(spec, events: int, updates: int, spikes: int):
        cycles = int(np.ceil(events * spec.cycles_per_event + updates * spec.cycles_per_update))
        energy = (events * spec.energy_pj_per_event + updates * spec.energy_pj_per_update
                  + spikes * spec.energy_pj_per_spike)
        return cycles, events, energy

    def new_state(self, spec, options=None):
        return SnnState(spec)

    def execute(self, cmd, memory, state):
        if cmd.op is SNN_RATE_ENCODE:
            return self._encode(cmd, memory, state)
        f, spec, shape = cmd.fields, state.spec, _shape(cmd)
        steps = f["steps"]
        x = memory.view(f["in_addr"], 1, steps * shape.inputs, 0, np.int8).reshape(steps, shape.inputs).astype(np.int64)
        blob = memory.view(f["w_addr"], 1, packed_size(shape.weights, spec.weight_bits), 0, np.uint8).reshape(-1)
        w = unpack_weights(blob, shape.weights, spec.weight_bits)
        params = memory.view(f["params_addr"], 1, PARAMS * shape.channels, 0, np.int8).reshape(-1, PARAMS)
        params = params.astype(np.int64)
        _check_params(params, spec)
        if cmd.op is SNN_LIF:
            current = exact_matmul(x, w.reshape(f["n_in"], f["n_out"]))
        else:
            windows = conv_windows(x.reshape(steps, f["height"], f["width"], f["c_in"]), f["kernel"], f["stride"],
                                   f["pad"])
            kernel = w.reshape(f["c_out"], -1).T  # [(ky, kx, c_in), c_out]
            current = exact_matmul(windows.reshape(-1, kernel.shape[0]), kernel).reshape(steps, shape.neurons)
            params = np.tile(params, (shape.neurons // f["c_out"], 1))  # one record per channel, channels last
            x = windows  # an active input reaches every neuron whose window holds it
        out, spikes = lif_integrate(current, params, f["shift"], cmd.flags, spec.membrane_bits)
        memory.write2d(f["out_addr"], out.reshape(1, -1).astype(np.int8), steps * shape.neurons)
        events = int(np.count_nonzero(x)) * shape.channels
        cycles, _, energy = self._cost(spec, events, steps * shape.neurons, spikes)
        state.measured = Measured(cycles, events, energy, {"events": events, "spikes": spikes,
                                                              "neurons": shape.neurons, "steps": steps})

    @staticmethod
    def _encode(cmd, memory, state):
        f = cmd.fields
        rows, n = f["rows"], f["n"]
        c = memory.view(f["in_addr"], 1, rows * n, 0, np.int8).reshape(rows, n)
        spikes = rate_spikes(c, f["steps"], f["seed"]).reshape(f["steps"] * rows, n)
        memory.write2d(f["out_addr"], spikes.astype(np.int8), f["dst_stride"])
        state.measured = None  # priced statically: one draw per value per step

    def measured(self, cmd, state):
        return state.measured


def _check_params(params, spec) -> None:
    lo, hi = spec.membrane_range()
    threshold, leak, v_reset, refractory = params.T
    bad = ((threshold < 1) | (threshold > hi) | (leak < 0) | (v_reset < lo) | (v_reset > hi) | (refractory < 0)
           | ((refractory != 0) & (not spec.refractory)))
    if bad.any():
        n = int(np.argmax(bad))
        raise StreamError(f"neuron {n} has parameters {params[n].tolist()} (threshold, leak, v_reset, "
                          f"refractory) outside the engine's ranges ({spec.membrane_bits}-bit membrane"
                          f"{'' if spec.refractory else ', no refractory period'})")
