"""The compile pipeline: frontend, the ordered passes, and emission.

`PIPELINE` is the list of built-in passes in order; `--dump-after NAME` writes the IR after a
pass to `<out>/ir/NN-NAME.mlir` (`--dump-all` after every one).
"""

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convc.frontend import onnx_import as frontend
from convc.driver.emit import emit_stream
from convc.annotations.parser import load as load_annotations
from convc.annotations.constraints import contradictions
from convc.errors import ConvcError, mlir_error_lines
from convc.ir.mlir import ir, torch_dialect
from convc.ir.util import entry_func
from convc.passes.api import Objective, PassContext, make_context, run_passes, set_objective
from convc.driver.plugins import extend
from convc.dialects import load_all
from convc.passes import (allocate_cores, analog_split, calibrate_engines, check_precision, convert_to_snn, decompose_transpose_conv, fold_batchnorm,
                          fold_constants, fold_pad, keep_resident, lower_to_engines, materialize_kernels, plan_memory,
                          quantize, replicate, schedule, split_batch, tile)
from convc.runtime.target import load_target
from convc.passes.directives import warn_unmatched

PIPELINE = [fold_constants.PASS, fold_pad.PASS, decompose_transpose_conv.PASS, fold_batchnorm.PASS, analog_split.PASS,
            quantize.PASS,
            lower_to_engines.PASS,
            check_precision.PASS, split_batch.PASS, replicate.PASS, keep_resident.PASS, convert_to_snn.PASS, allocate_cores.PASS, materialize_kernels.PASS, tile.PASS, calibrate_engines.PASS, plan_memory.PASS,
            schedule.PASS]
PASS_NAMES = [p.name for p in PIPELINE]
# From the engine dialects on: what a frontend that builds engine ops itself (NIR) runs.
BACK_END = PIPELINE[PIPELINE.index(check_precision.PASS):]
SYNTHETIC_SAMPLES = 32
THROUGHPUT_BATCH = 8  # frames per inference under the throughput objective unless told


@dataclass
class Compiled:
    module: ir.Module
    stream: object
    target: object
    onnx_model: object
    ctx: PassContext
    input_names: list[str]
    output_names: list[str]
    seconds: float
    dumps: dict[str, str] = field(default_factory=dict)
    pass_names: list[str] = field(default_factory=list)  # the pipeline that ran, plugins included


def new_context() -> ir.Context:
    context = ir.Context()
    with context:
        load_all()
    return context


def input_shapes(model) -> dict[str, list[int]]:
    inits = {t.name for t in model.graph.initializer}
    return {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim]
            for i in model.graph.input if i.name not in inits}


IGNORED_NPZ_KEYS = ("y", "labels")  # a test split's labels may sit beside its inputs


def load_calibration(path, shapes: dict[str, list[int]], trim: bool = False) -> list[list[np.ndarray]]:
    """Samples from an .npz (one array per input, samples stacked on the batch axis) or .npy.

    A model with batch size B takes B rows of the array per sample; with `trim` (a batch that
    convc stacked, --batch) rows beyond the last whole batch are left out instead of refused."""
    path = Path(path)
    try:
        data = np.load(path)
    except Exception as exc:
        raise ConvcError(f"{path}: cannot read calibration data ({type(exc).__name__})") from None
    arrays = {}
    if isinstance(data, np.ndarray):
        if len(shapes) != 1:
            raise ConvcError(f"{path}: the model has {len(shapes)} inputs; give an .npz with one array per input")
        arrays = {next(iter(shapes)): data}
    else:
        missing = [n for n in shapes if n not in data.files]
        if missing and len(shapes) == 1 and len(data.files) == 1:
            arrays = {next(iter(shapes)): data[data.files[0]]}
        elif missing:
            raise ConvcError(f"{path}: no array for input(s) {', '.join(missing)} (has {', '.join(data.files)})")
        else:
            arrays = {n: data[n] for n in shapes}
            extra = [k for k in data.files if k not in shapes and k not in IGNORED_NPZ_KEYS]
            if extra:
                    raise ConvcError(f"{path}: array(s) {', '.join(extra)} match no model input "
                                 f"(inputs: {', '.join(shapes)}; labels may be called {'/'.join(IGNORED_NPZ_KEYS)})")
    counts = set()
    batches = {name: max(shape[0], 1) for name, shape in shapes.items()}
    for name, shape in shapes.items():
        arr = np.asarray(arrays[name], np.float32)
        if not np.isfinite(arr).all():
            bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            raise ConvcError(f"{path}: array '{name}' holds {bad} NaN or infinite value(s); calibration and "
                             f"verification inputs must be finite")
        if list(arr.shape[1:]) != shape[1:]:
            raise ConvcError(f"{path}: array '{name}' has shape {list(arr.shape)}, expected [N, {', '.join(map(str, shape[1:]))}]")
        batch = batches[name]
        if trim and arr.shape[0] >= batch:
            arr = arr[:arr.shape[0] // batch * batch]
        if arr.shape[0] % batch:
            raise ConvcError(f"{path}: array '{name}' has {arr.shape[0]} rows, not a multiple of the model's batch {batch}")
        arrays[name] = arr
        counts.add(arr.shape[0] // batch)
    if len(counts) != 1 or 0 in counts:
        raise ConvcError(f"{path}: inputs must hold the same, non-zero number of samples")
    n = counts.pop()
    return [[arrays[name][i * b: (i + 1) * b] for name, b in batches.items()] for i in range(n)]


def renamed_array(path, shapes: dict[str, list[int]]) -> str | None:
    """The note to give when a one-input model's .npz holds one array under another name
    (accepted, but a wrong file should not pass without a word)."""
    if len(shapes) != 1 or Path(path).suffix != ".npz":
        return None
    with np.load(path) as data:
        name = next(iter(shapes))
        if name in data.files or len(data.files) != 1:
            return None
        return f"{path}: using its only array '{data.files[0]}' as input '{name}'"


def check_input_sizes(shapes: dict[str, list[int]], target) -> None:
    """Refuse inputs whose int8 codes alone exceed the target's DRAM, before anything is
    allocated for them (calibration holds dozens of float32 copies)."""
    for name, shape in shapes.items():
        n = int(np.prod(shape, dtype=np.int64))
        if n > target.dram.size:
            raise ConvcError(f"input '{name}' of shape {shape} has {n} elements: its int8 codes alone exceed "
                             f"{target.name}'s DRAM ({target.dram.size} bytes)")


def synthetic_calibration(shapes: dict[str, list[int]], batch: int = 1) -> list[list[np.ndarray]]:
    """SYNTHETIC_SAMPLES frames, `batch` of them per sample (a stacked batch, --batch)."""
    rng = np.random.default_rng(0)
    return [[rng.standard_normal(s).astype(np.float32) for s in shapes.values()]
            for _ in range(max(1, SYNTHETIC_SAMPLES // batch))]


def resolve_objective(objective, batch, ann) -> Objective:
    """The mapping objective: --objective/--batch, else the annotation file's `objective`
    statement, else latency at batch 1."""
    rule = ann.of_kind("objective")[0] if ann is not None and ann.of_kind("objective") else None
    if objective is None and batch is None and rule is not None:
        kind, source = rule.value("objective"), f"{rule.path}:{rule.line}"
        batch = rule.value("batch")
    else:
        kind = objective or "latency"
        source = "--objective" if objective else ("--batch" if batch is not None else "default")
    if batch is None:
        batch = THROUGHPUT_BATCH if kind == "throughput" else 1
    if batch < 1:
        raise ConvcError(f"{source}: the batch must be at least 1 frame, not {batch}")
    return Objective(kind, batch, source)


def restart_module(restart, names: list[str], context):
    """`--compile-from PASS FILE`: the IR in FILE (a dump written after PASS, perhaps edited) and
    the number of passes it has been through; ConvcError in one line if either is wrong."""
    pass_name, path = restart
    if pass_name not in names:
        raise ConvcError(f"--compile-from: unknown pass '{pass_name}' (passes: {', '.join(names)})")
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConvcError(f"--compile-from: cannot read {path}: {exc.strerror}") from None
    if "__elided__" in text:
        raise ConvcError(f"--compile-from: {path} was printed with its large constants elided, so its values are "
                         f"gone; use a dump written by --dump-after (in full)")
    torch_dialect.register_dialect(context)
    with context:
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as exc:
            raise ConvcError(f"--compile-from: {path}: {mlir_error_lines(exc)[0]}") from None
    return module, names.index(pass_name) + 1


def compile_model(model_path, target_path, calib=None, dump_after=(), dump_all=False,
                  warn=warnings.warn, annotations=None, relax=False, plugins=(), restart=None,
                  timesteps=None, spike_encoding=None, onnx_model=None, stop_after=None,
                  objective=None, batch=None) -> Compiled:
    """Compile the ONNX model for the target. `restart` = (PASS, FILE) continues from the IR in
    FILE as if PASS had just written it (the model still gives the inputs, outputs and
    calibration shapes). `timesteps`: time steps of layers converted to spiking ones;
    `spike_encoding`: ("direct" or "rate", seed) for those fed by int8 codes. `onnx_model`:
    with `restart`, the frontend's simplified model of an earlier compile of the same file
    (its inputs and outputs), so the frontend does not run again (convc explore).
    `stop_after`: run the pipeline up to and including that pass only (no stream).
    `objective` ("latency" or "throughput") and `batch` (frames per inference): the mapping
    objective (resolve_objective; convc-split-batch, convc-keep-resident)."""
    start = time.perf_counter()
    target = load_target(target_path)
    passes = extend(PIPELINE, plugins)
    names = [p.name for p in passes]
    unknown = [d for d in dump_after if d not in names]
    if unknown:
        raise ConvcError(f"--dump-after: unknown pass '{unknown[0]}' (passes: {', '.join(names)})")
    ann = load_annotations(annotations) if annotations else None
    contradictions(ann)
    goal = resolve_objective(objective, batch, ann)
    context = new_context()
    if restart is not None and onnx_model is not None:
        module, model = None, onnx_model  # the module comes from the restart point
    else:
        module, model = frontend.onnx_to_tosa(model_path, context, goal.batch)
    done = 0
    if restart is not None:
        module, done = restart_module(restart, names, context)
    if timesteps is not None:
        if timesteps < 1:
            raise ConvcError(f"--timesteps must be at least 1, not {timesteps}")
        with context:
            module.operation.attributes[convert_to_snn.TIMESTEPS] = ir.IntegerAttr.get(
                ir.IntegerType.get_signless(64), timesteps)
    if spike_encoding is not None:
        with context:
            module.operation.attributes[convert_to_snn.ENCODING] = ir.StringAttr.get(spike_encoding[0])
            module.operation.attributes[convert_to_snn.SEED] = ir.IntegerAttr.get(
                ir.IntegerType.get_signless(64), spike_encoding[1])
    if restart is None:
        with context:
            set_objective(module.operation, goal)
    shapes = input_shapes(model)
    check_input_sizes(shapes, target)
    notes = []
    if calib is not None:
        samples = load_calibration(calib, shapes, trim=goal.batch > 1)
        renamed = renamed_array(calib, shapes)
        if renamed:
            notes.append(renamed)
    else:
        notes.append("no --calib given: calibrating on synthetic standard-normal inputs; accuracy may suffer")
        samples = synthetic_calibration(shapes, goal.batch)
    for note in notes:
        warn(note)
    ctx = make_context(module, target, samples, annotations=ann, relax=relax, warnings=notes)
    dumps = {}

    def dump(name, mod):
        # In full: a dump is a restart point that convc-opt replays (elided constants could not be read).
        dumps[name] = mod.operation.get_asm(enable_debug_info=True)

    if dump_all and not done:
        dump("frontend", module)
    todo = passes[done:names.index(stop_after) + 1] if stop_after else passes[done:]
    try:
        run_passes(module, todo, ctx,
                   after_each=lambda p, mod: dump(p.name, mod) if (dump_all or p.name in dump_after) else None)
    except ConvcError as exc:
        exc.dumps, exc.pass_names = dumps, names  # the IR up to the failing pass, for the CLI to write
        raise
    if ann is not None:
        with context:
            warn_unmatched(module, ctx)
    for w in ctx.warnings[len(notes):]:
        warn(w)
    output_names = [o.name for o in model.graph.output]
    if stop_after:
        return Compiled(module, None, target, model, ctx, list(shapes), output_names,
                        time.perf_counter() - start, dumps, [p.name for p in passes])
    with context:
        stream = emit_stream(module, target, Path(model_path).stem, output_names)
    return Compiled(module, stream, target, model, ctx, list(shapes), output_names,
                    time.perf_counter() - start, dumps, [p.name for p in passes])


def compile_engine_module(module, target_path, name: str, output_names: list[str], annotations=None,
                          warn=warnings.warn) -> Compiled:
    """Compile a module already in the engine dialects, whose function carries its I/O
    quantization (`convc.input_names/scales/zps`, `convc.output_scales/zps`): the back-end
    passes (BACK_END), then emission. No calibration: nothing in it depends on float data."""
    start = time.perf_counter()
    target = load_target(target_path)
    ann = load_annotations(annotations) if annotations else None
    contradictions(ann)
    ctx = make_context(module, target, [], annotations=ann)
    run_passes(module, BACK_END, ctx)
    for w in ctx.warnings:
        warn(w)
    with module.context:
        func_op = entry_func(module.operation)
        inputs = [ir.StringAttr(a).value for a in func_op.attributes["convc.input_names"]]
        stream = emit_stream(module, target, name, output_names)
    return Compiled(module, stream, target, None, ctx, inputs, output_names, time.perf_counter() - start,
                    {}, [p.name for p in BACK_END])
