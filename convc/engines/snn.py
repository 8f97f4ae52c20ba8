"""The spiking engine (Kraken's SNE): `snn.lif` (dense) and `snn.lif_conv` (convolutional)
layers, and the `snn.encode` rasters that feed converted ones, on a core with a
`[cores.engines.snn]` table.

The engine runs a layer whose weights and membrane have exactly its widths (the layer was
quantized for them: NIR import or ANN-to-SNN conversion choose the codes) and whose neurons fit
it. Its commands: the packed weights and the neuron parameters into L1, the input raster, one
SNN_LIF or SNN_LIF_CONV for all time steps, the output raster back. Its price is the runtime's static one,
every input active at every step; the run measures the real activity (docs/snn.md). An
`snn.encode` is event routing, two DMAs: the currents (one row repeated, or the raster) into
the rows of the layer's input raster, and the always-on bias inputs beside them.
"""

import numpy as np

from convc.engines.base import Engine, l1_bytes
from convc.errors import TargetFitError
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import get_array, get_int, numel, tensor_shape
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import RATE_SCALE
from convc.ir.util import is_constant
from convc.runtime.stream import Op
from convc.runtime.units.imc import pack_weights, packed_size
from convc.runtime.units.snn import (EXPONENTIAL_LEAK, MEMBRANE_OUT, NO_FIRE, SNN_LIF, SNN_LIF_CONV, SNN_RATE_ENCODE,
                                     SUBTRACT_RESET)


def _string(op, name: str) -> str:
    return ir.StringAttr(op.attributes[name]).value


def _flags(op) -> int:
    return ((SUBTRACT_RESET if _string(op, "reset") == "subtract" else 0)
            | (NO_FIRE if _string(op, "reset") == "none" else 0)
            | (EXPONENTIAL_LEAK if _string(op, "leak") == "exponential" else 0)
            | (MEMBRANE_OUT if _string(op, "record") == "membrane" else 0))


def _neuron_refusal(op, spec, neurons: int):
    """Why the engine cannot hold a layer of `neurons` neurons with this op's widths and
    parameters; None if it can. Shared by dense and convolutional layers."""
    refractory = const_value(op.params.owner)[:, 3] if is_constant(op.params) else np.zeros(1)
    for why in (
        get_int(op, "weight_bits") != spec.weight_bits
        and f"its weights are {get_int(op, 'weight_bits')}-bit codes; the engine's are {spec.weight_bits}-bit",
        get_int(op, "membrane_bits") != spec.membrane_bits
        and f"its membrane is {get_int(op, 'membrane_bits')} bits; the engine's is {spec.membrane_bits}",
        neurons > spec.max_neurons and f"it has {neurons} neurons; the engine holds {spec.max_neurons}",
        not spec.min_shift <= get_int(op, "shift") <= spec.max_shift
        and f"its weight shift {get_int(op, 'shift')} is outside the engine's {spec.min_shift} to {spec.max_shift}",
        _string(op, "leak") not in spec.leak_modes
        and f"its leak is {_string(op, 'leak')}; the engine's is {' or '.join(spec.leak_modes)}",
        not spec.refractory and np.any(refractory != 0) and "it has a refractory period; the engine has none",
    ):
        if why:
            return why
    return None


def _layer_constants(op):
    return {"weights": pack_weights(const_value(op.weights.owner), get_int(op, "weight_bits")),
            "params": const_value(op.params.owner).astype(np.int8).tobytes()}


def _weight_bytes(op) -> int:
    return packed_size(numel(op.weights), get_int(op, "weight_bits"))


def _layer_buffers(op):
    return [("input", numel(op.input)), ("weights", _weight_bytes(op)), ("params", numel(op.params)),
            ("output", numel(op.output))]


def _emit_layer(op, em, opcode, **fields):
    """Weights, parameters and the input raster into L1, the one command, the raster back."""
    em.copy(em.const("weights"), em.l1("weights"), _weight_bytes(op))
    em.copy(em.const("params"), em.l1("params"), numel(op.params))
    em.copy(em.addr(op.input), em.l1("input"), numel(op.input))
    em.cmd(opcode, _flags(op), in_addr=em.l1("input"), w_addr=em.l1("weights"), params_addr=em.l1("params"),
           out_addr=em.l1("output"), steps=tensor_shape(op.input)[0], shift=get_int(op, "shift"), **fields)
    em.copy(em.l1("output"), em.addr(op.output), numel(op.output))


def _layer_facts(op, **facts):
    facts.update(steps=tensor_shape(op.input)[0], reset=_string(op, "reset"), leak=_string(op, "leak"))
    if RATE_SCALE.has(op):
        facts["rate_scale"] = round(RATE_SCALE.get(op), 3)
    return facts


class _Lif:
    """`snn.lif`: a dense layer, one SNN_LIF."""

    @staticmethod
    def refusal(op, target, core):
        return _neuron_refusal(op, target.engines(core)["snn"], tensor_shape(op.weights)[1])

    constants = staticmethod(_layer_constants)
    l1_buffers = staticmethod(_layer_buffers)

    @staticmethod
    def emit(op, em):
        n_in, n_out = tensor_shape(op.weights)
        _emit_layer(op, em, SNN_LIF, n_in=n_in, n_out=n_out)

    @staticmethod
    def describe(op):
        return _layer_facts(op, neurons=tensor_shape(op.weights)[1], fan_in=tensor_shape(op.input)[1])


class _LifConv:
    """`snn.lif_conv`: a convolutional layer, one SNN_LIF_CONV. The engine's convolutions are
    square kernels of the sizes it lists, one stride and one padding for both axes."""

    @staticmethod
    def refusal(op, target, core):
        spec = target.engines(core)["snn"]
        c_out, kh, kw, _ = tensor_shape(op.weights)
        stride, pad = get_array(op, "stride"), get_array(op, "pad")
        kernels = ", ".join(f"{k}x{k}" for k in spec.conv_kernels) or "none"
        for why in (
            (kh != kw or kh not in spec.conv_kernels)
            and f"its kernel is {kh}x{kw}; the engine's convolutions are {kernels}",
            stride[0] != stride[1] and f"its strides differ ({stride[0]}, {stride[1]}); the engine has one stride",
            len(set(pad)) != 1 and f"its padding {pad} is not the same on every side; the engine pads evenly",
            pad[0] >= kh and f"its padding {pad[0]} covers a whole {kh}x{kh} kernel",
        ):
            if why:
                return why
        return _neuron_refusal(op, spec, numel(op.output) // tensor_shape(op.output)[0])

    constants = staticmethod(_layer_constants)
    l1_buffers = staticmethod(_layer_buffers)

    @staticmethod
    def emit(op, em):
        _, height, width, c_in = tensor_shape(op.input)
        c_out, kernel = tensor_shape(op.weights)[:2]
        _emit_layer(op, em, SNN_LIF_CONV, height=height, width=width, c_in=c_in, c_out=c_out, kernel=kernel,
                    stride=get_array(op, "stride")[0], pad=get_array(op, "pad")[0])

    @staticmethod
    def describe(op):
        c_out, kernel, _, c_in = tensor_shape(op.weights)
        return _layer_facts(op, neurons=numel(op.output) // tensor_shape(op.output)[0], channels=c_out,
                            kernel=kernel, stride=get_array(op, "stride")[0], fan_in=kernel * kernel * c_in)


class _Encode:
    """`snn.encode`: event routing, no arithmetic. DMAs write the currents into the rows of the
    layer's input raster (a vector: one DMA of one row with source stride 0, the same at every
    step; a map: one DMA per step; a raster: one DMA), and one DMA the always-on bias inputs
    beside them, from `bias_inputs` constants of `bias_level` with source stride 0. A rate
    encoding computes: the currents into L1, one SNN_RATE_ENCODE drawing the spikes into the
    raster's rows there, the bias inputs beside them, the raster back."""

    @staticmethod
    def refusal(op, target, core):
        return None

    @staticmethod
    def constants(op):
        extra = get_int(op, "bias_inputs")
        return {"bias": np.full(extra, get_int(op, "bias_level"), np.int8).tobytes()} if extra else {}

    @staticmethod
    def l1_buffers(op):
        return [("currents", numel(op.input)), ("raster", numel(op.output))] if _rate(op) else []

    @staticmethod
    def emit(op, em):
        if _rate(op):
            _Encode._emit_rate(op, em)
            return
        shape, out = tensor_shape(op.input), tensor_shape(op.output)
        rows, n, steps, width = shape[0], shape[-1], out[0], out[-1]
        positions = numel(op.output) // (steps * width)  # values per step: 1 for a vector
        if positions == 1 or rows == steps:
            em.cmd(Op.DMA, src=em.addr(op.input), dst=em.addr(op.output), rows=steps * positions, row_bytes=n,
                   src_stride=0 if rows == 1 else n, dst_stride=width)
        else:  # one map, the same at every step
            for t in range(steps):
                em.cmd(Op.DMA, src=em.addr(op.input), dst=em.addr(op.output) + t * positions * width, rows=positions,
                       row_bytes=n, src_stride=n, dst_stride=width)
        if width > n:
            em.cmd(Op.DMA, src=em.const("bias"), dst=em.addr(op.output) + n, rows=steps * positions,
                   row_bytes=width - n, src_stride=0, dst_stride=width)

    @staticmethod
    def _emit_rate(op, em):
        n, (steps, width) = tensor_shape(op.input)[-1], (tensor_shape(op.output)[0], tensor_shape(op.output)[-1])
        positions = numel(op.output) // (steps * width)
        em.copy(em.addr(op.input), em.l1("currents"), numel(op.input))
        em.cmd(SNN_RATE_ENCODE, in_addr=em.l1("currents"), out_addr=em.l1("raster"), steps=steps, rows=positions, n=n,
               dst_stride=width, seed=get_int(op, "seed"))
        if width > n:
            em.cmd(Op.DMA, src=em.const("bias"), dst=em.l1("raster") + n, rows=steps * positions, row_bytes=width - n,
                   src_stride=0, dst_stride=width)
        em.copy(em.l1("raster"), em.addr(op.output), numel(op.output))

    @staticmethod
    def describe(op):
        if _rate(op):
            return {"steps": get_int(op, "steps"), "inputs": numel(op.input), "bias_inputs": get_int(op, "bias_inputs"),
                    "bias_level": get_int(op, "bias_level"), "encoding": f"rate (seed {get_int(op, 'seed')})"}
        rows = tensor_shape(op.input)[0]
        return {"steps": get_int(op, "steps"), "inputs": numel(op.input) // rows,
                "bias_inputs": get_int(op, "bias_inputs"), "bias_level": get_int(op, "bias_level"),
                "encoding": "direct currents" if rows == 1 else "spikes"}


def _rate(op) -> bool:
    return _string(op, "encoding") == "rate"


_PARTS = {"snn.lif": _Lif, "snn.lif_conv": _LifConv, "snn.encode": _Encode}


class SnnEngine(Engine):
    kind = "snn"
    ops = tuple(_PARTS)

    def refusal(self, op, target, core):
        return _PARTS[op.operation.name].refusal(op, target, core)

    def constants(self, op):
        return _PARTS[op.operation.name].constants(op)

    def l1_buffers(self, op, target, core, m_block=None):
        return _PARTS[op.operation.name].l1_buffers(op)

    def tile(self, op, target, core, room, wanted=None):
        need = l1_bytes(self.l1_buffers(op, target, core))
        if need > room:  # no time or neuron tiling yet: the layer's window must fit L1
            raise TargetFitError(f"{describe(op)} needs {need} bytes of L1 for its {tensor_shape(op.input)[0]} "
                                 f"time steps, weights and rasters; core {core} has {room}")
        return None

    def emit(self, op, em):
        _PARTS[op.operation.name].emit(op, em)

    def describe(self, op):
        return _PARTS[op.operation.name].describe(op)
