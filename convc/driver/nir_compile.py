"""`convc net.nir --target kraken`: a NIR graph compiled for the target's spiking engine.

The frontend (frontend/nir_import.py) discretises and quantizes the graph's layers; this module
builds the engine-dialect function through the bindings — one `snn.lif` or `snn.lif_conv` per
layer over `timesteps` steps, the input raster [T, *input shape] and the output spike raster [T, n_out] as int8
with scale 1 (a spike is 1) — and compiles it with the back-end passes. `verify_nir` runs the
stream and compares it with the integer reference (bit for bit) and with the float simulation
of the discretised graph (spike counts per output neuron, and their argmax).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from convc.dialects import dpu
from convc.dialects.snn import LifConvOp, LifOp
from convc.driver import int_reference
from convc.driver.pipeline import Compiled, compile_engine_module, new_context
from convc.driver.verify import mean_activity
from convc.errors import ConvcError
from convc.frontend.nir_import import DEFAULT_DT, QuantizedLayer, SpikingLayer, float_simulation, load, quantize
from convc.ir.attrs import f64
from convc.ir.mlir import func, ir
from convc.ir.util import dense_constant
from convc.runtime.host import Program
from convc.runtime.target import load_target

DEFAULT_TIMESTEPS = 16


@dataclass
class NirCompiled:
    compiled: Compiled
    layers: list[SpikingLayer]
    quantized: list[QuantizedLayer]
    timesteps: int
    dt: float


def _spiking_spec(target, path):
    for core in range(target.cores):
        if "snn" in target.engines(core):
            return target.engines(core)["snn"]
    raise ConvcError(f"{path}: target {target.name} has no spiking engine ([cores.engines.snn]) to run a NIR graph on")


def _i64(v: int):
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))


def build_module(shape: list[int], layers: list[SpikingLayer], quantized: list[QuantizedLayer], timesteps: int,
                 spec, output_state: bool = False) -> ir.Module:
    """The function over the input raster [T, *shape]: one `snn.lif` or `snn.lif_conv` per
    layer; NIR's channels-first input map turned channels last for a first convolution, and a
    convolution's map viewed as a vector for a dense layer after it (both on the cluster: a
    transpose, and a reshape that moves nothing). `output_state`: a second output, the last
    layer's membrane after each step — the engine records spikes or the membrane, so a copy of
    the layer on the same input records it."""
    context = new_context()

    def raster(*dims):
        return ir.RankedTensorType.get([timesteps, *dims], ir.IntegerType.get_signless(8))

    with context, ir.Location.unknown():
        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            results = [raster(layers[-1].outputs)] * (2 if output_state else 1)
            f = func.FuncOp("main", ([raster(*shape)], results))
        block = f.add_entry_block()
        with ir.InsertionPoint(block):
            x = block.arguments[0]
            if layers[0].conv:
                c, h, w = shape
                x = dpu.TransposeOp(x, ir.DenseI64ArrayAttr.get([0, 2, 3, 1]), output=raster(h, w, c),
                                    loc=ir.Location.name("input")).result
            for layer, q in zip(layers, quantized):
                loc = ir.Location.name(layer.name)
                w = dense_constant(q.codes.astype(np.int8), loc=loc)
                p = dense_constant(q.params.astype(np.int8), loc=loc)
                neuron = dict(shift=_i64(q.shift), reset=ir.StringAttr.get("zero" if layer.fires else "none"),
                              leak=ir.StringAttr.get(q.leak),
                              record=ir.StringAttr.get("spikes" if layer.fires else "membrane"),
                              weight_bits=_i64(spec.weight_bits), membrane_bits=_i64(spec.membrane_bits), loc=loc)
                if layer.conv:
                    (sy, sx), (py, px) = layer.conv.stride, layer.conv.pad
                    x = LifConvOp(x, w, p, stride=ir.DenseI64ArrayAttr.get([sy, sx]),
                                  pad=ir.DenseI64ArrayAttr.get([py, py, px, px]), output=raster(*layer.conv.out_hwc),
                                  **neuron).result
                    continue
                if len(ir.RankedTensorType(x.type).shape) != 2:
                    x = dpu.ReshapeOp(x, output=raster(layer.drive.shape[0]), loc=loc).result
                layer_input = x
                x = LifOp(x, w, p, output=raster(layer.outputs), **neuron).result
            outputs = [x]
            if output_state:
                neuron.update(record=ir.StringAttr.get("membrane"), loc=ir.Location.name(f"{layers[-1].name}.state"))
                outputs.append(LifOp(layer_input, w, p, output=raster(layers[-1].outputs), **neuron).result)
            func.ReturnOp(outputs)
        f.attributes["convc.input_names"] = ir.ArrayAttr.get([ir.StringAttr.get("input")])
        f.attributes["convc.input_scales"] = ir.ArrayAttr.get([f64(1.0)])
        f.attributes["convc.input_zps"] = ir.DenseI64ArrayAttr.get([0])
        # a spike is 1; an LI read-out's membrane codes are in units of its scale
        scales = [1.0 if layers[-1].fires else quantized[-1].scale] + [quantized[-1].scale] * output_state
        f.attributes["convc.output_scales"] = ir.ArrayAttr.get([f64(s) for s in scales])
        f.attributes["convc.output_zps"] = ir.DenseI64ArrayAttr.get([0] * len(scales))
        if not module.operation.verify():
            raise ConvcError("the NIR graph's layers do not verify as snn ops")
    return module


def compile_nir(path, target_path, timesteps: int = DEFAULT_TIMESTEPS, dt: float = DEFAULT_DT, annotations=None,
                warn=warnings.warn, output_state: bool = False) -> NirCompiled:
    if timesteps < 1:
        raise ConvcError(f"--timesteps must be at least 1, not {timesteps}")
    if not dt > 0:
        raise ConvcError(f"--dt must be positive, not {dt}")
    target = load_target(target_path)
    spec = _spiking_spec(target, path)
    shape, layers = load(path, dt)
    if output_state and not layers[-1].fires:
        raise ConvcError(f"--output-state: {path} is read out by an LI layer, whose output already is its membrane")
    quantized = []
    for i, layer in enumerate(layers):
        v_peak = None
        if not layer.fires:  # read out by its membrane: its range, simulated on seeded rasters (not --verify's)
            v_peak = max(float(np.abs(float_simulation(layers[:i + 1], r)).max())
                         for r in random_rasters(shape, timesteps, seed=1))
        unit = quantized[-1].scale if i and not layers[i - 1].fires else 1.0  # membrane codes in, or spikes
        quantized.append(quantize(layer, spec.weight_bits, spec.membrane_bits, spec.max_shift, v_peak, spec.min_shift,
                                  unit))
    module = build_module(shape, layers, quantized, timesteps, spec, output_state)
    compiled = compile_engine_module(module, target_path, str(path).rsplit("/", 1)[-1].removesuffix(".nir"),
                                     ["output", "state"][:1 + output_state], annotations=annotations, warn=warn)
    return NirCompiled(compiled, layers, quantized, timesteps, dt)


def random_rasters(shape, timesteps: int, count: int = 8, rate: float = 0.2, seed: int = 0) -> np.ndarray:
    """`count` Bernoulli spike rasters [count, T, *shape]: inputs for --verify without --verify-inputs."""
    shape = [shape] if isinstance(shape, int) else list(shape)
    return (np.random.default_rng(seed).random((count, timesteps, *shape)) < rate).astype(np.int8)


def verify_nir(result: NirCompiled, rasters: np.ndarray) -> dict:
    """The stream on each raster [T, n_in] against the integer reference (bit for bit) and the
    float simulation. Spiking outputs: per output neuron, how often the spike counts agree
    exactly, the mean absolute count difference, and how often the counts' argmax agrees. An
    LI read-out: the cosine between the dequantized membrane traces and the float ones, their
    largest difference, and the agreement of the argmax of the mean membrane."""
    compiled = result.compiled
    program = Program(compiled.stream, compiled.target)
    membrane = not result.layers[-1].fires
    exact, same, diff, argmax, cosines, activities, state_cos = True, [], [], [], [], [], []
    for x in rasters:
        run = program.run({"input": x})
        got = run.outputs_int8["output"].astype(np.int64)
        with compiled.module.context:
            refs = int_reference.run(compiled.module, [x])
        exact &= all(bool(np.array_equal(run.outputs_int8[name], r)) for name, r in zip(compiled.output_names, refs))
        if "state" in compiled.output_names:
            trace = run.outputs["state"].astype(np.float64)
            want_v = float_simulation(result.layers, x, last_membrane=True)
            state_cos.append(float(trace.ravel() @ want_v.ravel()
                                   / max(np.linalg.norm(trace) * np.linalg.norm(want_v), 1e-30)))
        want = float_simulation(result.layers, x)
        if membrane:
            trace = run.outputs["output"].astype(np.float64)
            cosines.append(float(trace.ravel() @ want.ravel() / max(np.linalg.norm(trace) * np.linalg.norm(want), 1e-30)))
            diff.append(np.abs(trace - want).max())
            argmax.append(int(np.argmax(trace.mean(axis=0))) == int(np.argmax(want.mean(axis=0))))
        else:
            counts, want_counts = got.sum(axis=0), want.sum(axis=0)
            same.append(counts == want_counts)
            diff.append(np.abs(counts - want_counts))
            argmax.append(int(np.argmax(counts)) == int(np.argmax(want_counts)))
        activities.append(run.counters.activity)
    spiking = mean_activity(activities)
    found = {"integer_exact": exact, "samples": len(rasters), "timesteps": result.timesteps, "dt": result.dt,
             "readout": "membrane" if membrane else "spikes", "argmax_agreement": float(np.mean(argmax)),
             "spikes_per_layer": [a["spikes"] for a in spiking],
             "energy_uj": float(run.counters.energy_uj), "cycles": int(run.counters.total_cycles),
             "spiking": spiking}
    if state_cos:  # --output-state: the last layer's membrane against the float one
        found["state_cosine"] = float(np.min(state_cos))
    if membrane:
        return found | {"membrane_cosine": float(np.min(cosines)), "membrane_max_abs_error": float(np.max(diff))}
    same, diff = np.array(same), np.array(diff)
    return found | {"spike_count_agreement": float(same.mean()), "spike_count_mean_abs_diff": float(diff.mean()),
                    "spike_count_agreement_per_neuron": [round(float(v), 4) for v in same.mean(axis=0)]}
