"""`convc net.nir --target kraken`: a NIR graph compiled for the target's spiking engine.

The frontend (frontend/nir_import.py) discretises and quantizes the graph's layers; this module
builds the engine-dialect function through the bindings — one `snn.lif` per layer over
`timesteps` steps, the input raster [T, n_in] and the output spike raster [T, n_out] as int8
with scale 1 (a spike is 1) — and compiles it with the back-end passes. `verify_nir` runs the
stream and compares it with the integer reference (bit for bit) and with the float simulation
of the discretised graph (spike counts per output neuron, and their argmax).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from convc.dialects.snn import LifOp
from convc.driver import int_reference
from convc.driver.pipeline import Compiled, compile_engine_module, new_context
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


def build_module(size: int, layers: list[SpikingLayer], quantized: list[QuantizedLayer], timesteps: int,
                 spec) -> ir.Module:
    context = new_context()

    def raster(n):
        return ir.RankedTensorType.get([timesteps, n], ir.IntegerType.get_signless(8))

    with context, ir.Location.unknown():
        module = ir.Module.create()
        n_out = layers[-1].drive.shape[1]
        with ir.InsertionPoint(module.body):
            f = func.FuncOp("main", ([raster(size)], [raster(n_out)]))
        block = f.add_entry_block()
        with ir.InsertionPoint(block):
            x = block.arguments[0]
            for layer, q in zip(layers, quantized):
                loc = ir.Location.name(layer.name)
                w = dense_constant(q.codes.astype(np.int8), loc=loc)
                p = dense_constant(q.params.astype(np.int8), loc=loc)
                x = LifOp(x, w, p, shift=_i64(q.shift), reset=ir.StringAttr.get("zero"),
                          leak=ir.StringAttr.get(q.leak), record=ir.StringAttr.get("spikes"),
                          weight_bits=_i64(spec.weight_bits), membrane_bits=_i64(spec.membrane_bits),
                          output=raster(layer.drive.shape[1]), loc=loc).result
            func.ReturnOp([x])
        f.attributes["convc.input_names"] = ir.ArrayAttr.get([ir.StringAttr.get("input")])
        f.attributes["convc.input_scales"] = ir.ArrayAttr.get([f64(1.0)])
        f.attributes["convc.input_zps"] = ir.DenseI64ArrayAttr.get([0])
        f.attributes["convc.output_scales"] = ir.ArrayAttr.get([f64(1.0)])
        f.attributes["convc.output_zps"] = ir.DenseI64ArrayAttr.get([0])
        if not module.operation.verify():
            raise ConvcError("the NIR graph's layers do not verify as snn ops")
    return module


def compile_nir(path, target_path, timesteps: int = DEFAULT_TIMESTEPS, dt: float = DEFAULT_DT, annotations=None,
                warn=warnings.warn) -> NirCompiled:
    if timesteps < 1:
        raise ConvcError(f"--timesteps must be at least 1, not {timesteps}")
    if not dt > 0:
        raise ConvcError(f"--dt must be positive, not {dt}")
    target = load_target(target_path)
    spec = _spiking_spec(target, path)
    size, layers = load(path, dt)
    quantized = [quantize(layer, spec.weight_bits, spec.membrane_bits, spec.max_shift) for layer in layers]
    module = build_module(size, layers, quantized, timesteps, spec)
    compiled = compile_engine_module(module, target_path, str(path).rsplit("/", 1)[-1].removesuffix(".nir"),
                                     ["output"], annotations=annotations, warn=warn)
    return NirCompiled(compiled, layers, quantized, timesteps, dt)


def random_rasters(size: int, timesteps: int, count: int = 8, rate: float = 0.2, seed: int = 0) -> np.ndarray:
    """`count` Bernoulli spike rasters [count, T, size]: inputs for --verify without --verify-inputs."""
    return (np.random.default_rng(seed).random((count, timesteps, size)) < rate).astype(np.int8)


def verify_nir(result: NirCompiled, rasters: np.ndarray) -> dict:
    """The stream on each raster [T, n_in] against the integer reference (bit for bit) and the
    float simulation: per output neuron, how often the spike counts agree exactly, the mean
    absolute count difference, and how often the argmax of the counts agrees."""
    compiled = result.compiled
    program = Program(compiled.stream, compiled.target)
    exact, same, diff, argmax, spikes = True, [], [], [], []
    for x in rasters:
        run = program.run({"input": x})
        got = run.outputs_int8["output"].astype(np.int64)
        with compiled.module.context:
            ref = int_reference.run(compiled.module, [x])[0]
        exact &= bool(np.array_equal(got, ref))
        counts, want = got.sum(axis=0), float_simulation(result.layers, x).sum(axis=0)
        same.append(counts == want)
        diff.append(np.abs(counts - want))
        argmax.append(int(np.argmax(counts)) == int(np.argmax(want)))
        spikes.append([a["spikes"] for a in run.counters.activity])
    same, diff = np.array(same), np.array(diff)
    return {"integer_exact": exact, "samples": len(rasters), "timesteps": result.timesteps, "dt": result.dt,
            "spike_count_agreement": float(same.mean()), "spike_count_mean_abs_diff": float(diff.mean()),
            "spike_count_agreement_per_neuron": [round(float(v), 4) for v in same.mean(axis=0)],
            "argmax_agreement": float(np.mean(argmax)),
            "spikes_per_layer": [float(v) for v in np.mean(spikes, axis=0)],
            "energy_uj": float(run.counters.energy_uj), "cycles": int(run.counters.total_cycles)}
