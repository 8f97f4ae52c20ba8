"""--verify: run the compiled stream on the reference runtime and compare it twice.

1. The runtime's int8 outputs against the independent integer reference of the quantized
   model (convc/driver/int_reference.py): must be identical (`integer_exact`).
2. The dequantized outputs against onnxruntime on the original float model: cosine
   similarity (worst sample), max absolute error, top-1 agreement.

With `analog_noise` (sigma, seed) the stream also runs under analog noise (runtime
units/aimc.py: Gaussian column-sum noise of sigma ADC steps) for NOISE_SEEDS seeds (seed,
seed + 1, ...), and the result adds the cosine and top-1 agreement against onnxruntime per
seed, with their mean and spread. The exact run still decides `integer_exact`.
"""

import numpy as np
import onnx
import onnxruntime as ort

from convc.driver import int_reference
from convc.errors import ConvcError
from convc.quant_math import quantize
from convc.runtime.host import Program
from convc.runtime.progress import progress


NOISE_SEEDS = 5


def _compare(y, r) -> float:
    y, r = y.reshape(-1).astype(np.float64), r.reshape(-1).astype(np.float64)
    denom = np.linalg.norm(y) * np.linalg.norm(r)
    return float(y @ r / denom) if denom > 0 else float(np.allclose(y, r))


def is_class_scores(shape) -> bool:
    """Whether an output is a [batch, classes] score tensor, where top-1 agreement means something."""
    return len(shape) == 2 and shape[1] > 1


def _top1(y, r) -> float:
    """The share of rows (images of the batch) whose arg-max class agrees."""
    y, r = np.asarray(y).reshape(-1, np.shape(r)[-1]), np.asarray(r).reshape(-1, np.shape(r)[-1])
    return float((y.argmax(axis=1) == r.argmax(axis=1)).mean())


def _session(model_path):
    """onnxruntime on the model; a model saved by a newer onnx than onnxruntime reads (IR
    version) is retried with the IR version onnxruntime takes, its opsets unchanged."""
    try:
        return ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    except Exception as exc:
        if "Unsupported model IR version" not in str(exc):
            raise
        model = onnx.load(str(model_path))
        model.ir_version = ORT_IR_VERSION
        return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


ORT_IR_VERSION = 10


def float_run(session, feed: dict) -> list:
    """onnxruntime's outputs for `feed`. A model of fixed batch 1 compiled with --batch B
    (frames stacked on axis 0) runs frame by frame and its outputs are stacked again."""
    fixed = {i.name: i.shape[0] for i in session.get_inputs() if i.shape and isinstance(i.shape[0], int)}
    frames = {len(v) for k, v in feed.items() if k in fixed and np.ndim(v) and len(v) != fixed[k]}
    if not frames:
        return session.run(None, feed)
    step = next(iter(fixed.values()))
    runs = [session.run(None, {k: v[i:i + step] for k, v in feed.items()}) for i in range(0, frames.pop(), step)]
    return [np.concatenate(parts, axis=0) for parts in zip(*runs)]


def verify(compiled, model_path, samples: list[list[np.ndarray]], analog_noise=None, spans=None) -> dict:
    """The figures of the module docstring; `spans`, if given, receives the first sample's
    timeline (runtime executor.Span per command)."""
    program = Program(compiled.stream, compiled.target)
    try:
        session = _session(model_path)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... classes
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConvcError(f"--verify: onnxruntime cannot load {model_path} to compare against: {first}") from None
    ins = program.inputs
    exact, cosines, max_err, top1 = True, [], 0.0, 0.0
    shape = program.outputs[0].shape
    scores = is_class_scores(shape)
    floats, activities = [], []
    feeds = [dict(zip(compiled.input_names, sample)) for sample in samples]
    runs = program.run_samples(feeds, spans=spans)  # in lock-step batches
    with progress("verifying", len(samples)) as advance:
        for sample, feed, run in zip(samples, feeds, runs):
            activities.append(run.counters.activity)
            with compiled.module.context:  # one sample at a time: the reference keeps every value
                ref = int_reference.run(compiled.module,
                                        [quantize(x, t.scale, t.zero_point) for x, t in zip(sample, ins)])
            float_out = float_run(session, {k: np.asarray(v, np.float32) for k, v in feed.items()})
            floats.append(float_out)
            for i, name in enumerate(compiled.output_names):
                got_q = run.outputs_int8[name]
                exact &= bool(np.array_equal(got_q.reshape(-1), ref[i].reshape(-1)))
                y, r = run.outputs[name], float_out[i]
                cosines.append(_compare(y, r))
                max_err = max(max_err, float(np.abs(y.reshape(-1) - r.reshape(-1)).max()))
                if i == 0 and scores:
                    top1 += _top1(y, r)
            advance()
    result = {"integer_exact": exact, "cosine": min(cosines), "cosine_mean": float(np.mean(cosines)),
              "max_abs_error": max_err, "top1_agreement": top1 / len(samples) if scores else None,
              "samples": len(samples)}
    if activities and activities[0]:  # spiking layers: what they really did, per inference
        result["spiking"] = mean_activity(activities)
    if not scores:
        result["top1_note"] = (f"no top-1 agreement: output 0 has shape {list(shape)}, not class scores "
                               f"[batch, classes]")
    if analog_noise is not None:
        result["analog_noise"] = _under_noise(compiled, samples, floats, *analog_noise)
    return result


def mean_activity(activities: list[list[dict]]) -> list[dict]:
    """Per command whose cost follows its data (a spiking layer), in program order: the mean
    over the runs of its spikes, synaptic events, cycles and energy."""
    keys = ("spikes", "events", "cycles", "energy_uj")
    return [{"op": entries[0]["op"], "neurons": entries[0].get("neurons"),
             **{k: round(float(np.mean([e.get(k, 0) for e in entries])), 6) for k in keys}}
            for entries in zip(*activities)]


def _under_noise(compiled, samples, floats, sigma: float, seed: int) -> dict:
    """Cosine (mean over samples and outputs) and top-1 agreement against onnxruntime, per
    noise seed, and their mean and standard deviation over the seeds."""
    per_seed = []
    for s in range(seed, seed + NOISE_SEEDS):
        program = Program(compiled.stream, compiled.target, analog_noise=(sigma, s))
        scores = is_class_scores(program.outputs[0].shape)
        cos, top1 = [], 0.0
        runs = program.run_samples([dict(zip(compiled.input_names, sample)) for sample in samples])
        for run, float_out in zip(runs, floats):
            for i, name in enumerate(compiled.output_names):
                cos.append(_compare(run.outputs[name], float_out[i]))
                if i == 0 and scores:
                    top1 += _top1(run.outputs[name], float_out[i])
        per_seed.append({"seed": s, "cosine_mean": float(np.mean(cos)),
                         "top1_agreement": top1 / len(samples) if scores else None})
    cos = [p["cosine_mean"] for p in per_seed]
    agree = [p["top1_agreement"] for p in per_seed if p["top1_agreement"] is not None]
    return {"sigma": sigma, "seeds": per_seed, "cosine_mean": float(np.mean(cos)), "cosine_std": float(np.std(cos)),
            "top1_agreement_mean": float(np.mean(agree)) if agree else None,
            "top1_agreement_std": float(np.std(agree)) if agree else None}
