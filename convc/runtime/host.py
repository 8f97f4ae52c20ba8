"""The host side: load a compiled program, quantize inputs, run, dequantize outputs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .executor import Counters, RunOptions, execute_batch
from .memory import BatchMemory, Memory
from .progress import progress
from .stream import IOTensor, Op, Stream
from .target import Target, load_target
from .units.aimc import AnalogNoise
from .validate import validate


class InputError(ValueError):
    """Inputs that do not match the program's I/O descriptors."""


@dataclass
class RunResult:
    outputs: dict[str, np.ndarray]  # dequantized float32, in the descriptor's shape
    outputs_int8: dict[str, np.ndarray]
    counters: Counters


def quantize(tensor: IOTensor, x: np.ndarray) -> np.ndarray:
    """q = clip(rint(x / scale) + zero_point, -128, 127), rint rounding half to even. Done in
    float64 because the stream stores the scale as f64."""
    x = np.asarray(x, np.float64)
    if np.isnan(x).any():
        raise InputError(f"input {tensor.name!r} contains NaN")
    return np.clip(np.rint(x / tensor.scale) + tensor.zero_point, -128, 127).astype(np.int8)


def dequantize(tensor: IOTensor, q: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # a scale beyond float32's range yields +-inf, as it should
        return ((q.astype(np.float64) - tensor.zero_point) * tensor.scale).astype(np.float32)


def frames_per_run(stream: Stream) -> int:
    """Frames one run of the stream computes, stacked on axis 0 of every input and output:
    META.batch of a stream compiled with `--batch B` (the throughput objective), else 1."""
    return int(stream.meta.get("batch", 1))


def split_batch(tensor: IOTensor, array: np.ndarray, frames: int = 1) -> list[np.ndarray]:
    """Split stacked samples for `tensor` (shape S) into per-run arrays of shape S.

    Accepted: [N, *S] (samples stacked on a new axis); [N, *S[1:]] when S[0] == 1 (samples
    stacked on the batch axis; a single sample of shape S is the N = 1 case); S itself. A
    stream that runs `frames` > 1 frames at a time (S[0] == frames) takes [N, *S[1:]] with N
    a multiple of `frames`: each run gets the next `frames` of them."""
    a, s = np.asarray(array), tensor.shape
    if a.ndim == len(s) + 1 and a.shape[1:] == s:
        return [a[i] for i in range(a.shape[0])]
    per_run = frames if frames > 1 and s and s[0] == frames else 1
    if a.ndim == len(s) and s and s[0] == per_run and a.shape[1:] == s[1:]:
        if a.shape[0] % per_run:
            raise InputError(f"input {tensor.name!r} holds {a.shape[0]} frames, but the stream computes {per_run} "
                             f"at a time (compiled with --batch {per_run}): give a multiple of {per_run}")
        return [a[i:i + per_run] for i in range(0, a.shape[0], per_run)]
    if a.shape == s:
        return [a]
    stacked = f"[N,{','.join(map(str, s[1:]))}]" if s and s[0] == per_run else f"[N,{_dims(s)}]"
    many = f" (N samples{f', a multiple of {per_run}' if per_run > 1 else ''})"
    raise InputError(f"input {tensor.name!r} has shape [{_dims(a.shape)}], expected "
                     f"{stacked}{many} or [{_dims(s)}]")


def stack_outputs(tensor: IOTensor, samples: list[np.ndarray], frames: int = 1) -> np.ndarray:
    """Inverse of split_batch's batch-axis convention: [N, *S[1:]] if S[0] is 1 (or the
    stream's frames per run) else [N, *S]."""
    s = tensor.shape
    if s and s[0] in (1, frames):
        return np.concatenate(samples, axis=0) if samples else np.zeros((0,) + s[1:], np.float32)
    return np.stack(samples) if samples else np.zeros((0,) + s, np.float32)


def _dims(shape) -> str:
    return ",".join(str(d) for d in shape)


BATCH = 16  # the most samples per lock-step batch (executor.execute_batch) by default
BATCH_BYTES = 128 << 20  # ... about this much DATA in flight
TENSOR_BYTES = 5 << 19  # ... and the largest activation times the batch at most this (2.5 MiB)
# Larger batches amortise more of the per-command work, but every sample keeps its own copy of
# each memory page the stream touches, the weights included: tens of MB for a 224x224
# network. What slows a batch down first, though, is its largest activations: a kernel's
# int64 intermediates are 8x the int8 tensor per sample, and once the batch's leave the caches
# every pass over them runs at DRAM speed. Measured on this project's 2-core machine
# (ms per sample, one process, 16 samples): MobileNetV2 (1.2 MB largest tensor) 65 ms/sample at
# batch 2, 70 at 4, 113 at 8, 120 at 16; ResNet-18 (0.8 MB) 99 at 2, 105 at 4, 154 at 11.


def _largest_transfer(stream: Stream) -> int:
    """Bytes of the stream's largest DMA: its largest activation tensor, within a tile."""
    return max((c.fields["rows"] * c.fields["row_bytes"]
                for q in stream.queues.values() for c in q if c.op == Op.DMA), default=0)


def default_batch(stream: Stream) -> int:
    data = sum(len(seg.data) for seg in stream.data)
    return max(1, min(BATCH, BATCH_BYTES // max(data, 1), TENSOR_BYTES // max(_largest_transfer(stream), 1)))


class Program:
    """A validated stream bound to its target and a reusable simulated memory."""

    def __init__(self, stream: Stream, target: Target, name: str = "stream.bin",
                 analog_noise: tuple[float, int] | None = None, batch: int | None = None):
        """`analog_noise` (sigma, seed): every analog column sum gets Gaussian noise of sigma
        ADC steps (units/aimc.py); run i of this program draws from seed (seed, i), so a
        program's results are reproducible and differ from sample to sample. `batch`: the
        most samples run_batch executes in lock step (1: one after the other; None:
        default_batch)."""
        batch = default_batch(stream) if batch is None else batch
        if batch < 1:
            raise ValueError(f"batch must be >= 1, got {batch}")
        self.stream, self.target, self.name = stream, target, name
        self.analog_noise, self._runs, self.batch = analog_noise, 0, batch
        self.plan = validate(stream, target, name)
        self._memory = self._new_memory(1)
        self._cache: dict = {}  # what units derive from memory contents, across runs
        self.source: Path | None = None  # the OUT_DIR it was loaded from

    def _new_memory(self, batch: int) -> BatchMemory:
        memory = BatchMemory(self.target, batch)
        for seg in self.stream.data:
            memory.write(seg.addr, seg.data)  # the same bytes in every sample
        # Every run starts by rolling back to this state (zeros + DATA), so results never
        # depend on earlier samples, and only the chunks a run wrote are restored.
        memory.checkpoint()
        return memory

    @property
    def memory(self) -> Memory:
        """The first sample's memory as the last run left it."""
        return self._memory.sample(0)

    @classmethod
    def load(cls, out_dir: str | Path, analog_noise: tuple[float, int] | None = None,
             batch: int | None = None) -> "Program":
        out_dir = Path(out_dir)
        target = load_target(out_dir / "target.toml")
        path = out_dir / "stream.bin"
        program = cls(Stream.decode(path.read_bytes(), str(path)), target, str(path), analog_noise, batch)
        program.source = out_dir  # where worker processes load it from (run_samples' jobs)
        return program

    @property
    def inputs(self) -> list[IOTensor]:
        return self.stream.inputs

    @property
    def outputs(self) -> list[IOTensor]:
        return self.stream.outputs

    def _named(self, inputs) -> dict[str, np.ndarray]:
        if not isinstance(inputs, dict):
            if len(self.inputs) != 1:
                raise InputError(f"the program has {len(self.inputs)} inputs "
                                 f"{[t.name for t in self.inputs]}; pass a dict")
            return {self.inputs[0].name: inputs}
        want = {t.name for t in self.inputs}
        if set(inputs) != want:
            raise InputError(f"inputs {sorted(inputs)} do not match the program's "
                             f"{sorted(want)}")
        return inputs

    def _quantized(self, inputs) -> dict[str, np.ndarray]:
        named = self._named(inputs)
        quantized = {}
        for t in self.inputs:
            x = np.asarray(named[t.name])
            if x.shape != t.shape and x.shape != (1,) + t.shape:
                raise InputError(f"input {t.name!r} has shape [{_dims(x.shape)}], expected "
                                 f"[{_dims(t.shape)}]")
            quantized[t.name] = quantize(t, x).reshape(t.shape)
        return quantized

    def run(self, inputs) -> RunResult:
        """Run one sample. `inputs`: {name: array of the descriptor's shape, optionally with
        an extra leading axis of 1}, or a bare array if the program has a single input."""
        return self.run_samples([inputs])[0]

    def run_samples(self, samples: list, jobs: int = 1, spans: list | None = None) -> list[RunResult]:
        """Run each sample (as for `run`), up to `batch` of them at a time in lock step, and
        with jobs > 1 on that many processes (parallel.py) when there is more than a batch of
        work and the program was loaded from a directory. Each result is bit for bit what
        running the sample alone gives, counters included. `spans` receives the first
        sample's timeline (executor.Span per command)."""
        if jobs > 1 and self.source is not None and len(samples) > self.batch and spans is None:
            from .parallel import run_across_processes
            return run_across_processes(self, samples, min(jobs, -(-len(samples) // self.batch)))
        quantized = [self._quantized(s) for s in samples]
        results = []
        with progress("running", len(quantized)) as advance:
            for start in range(0, len(quantized), self.batch):
                results += self._run_lockstep(quantized[start:start + self.batch], spans if start == 0 else None)
                advance(len(results) - start)
        return results

    def _run_lockstep(self, quantized: list[dict[str, np.ndarray]], spans: list | None = None) -> list[RunResult]:
        n = len(quantized)
        if self._memory.batch < n:
            self._memory = self._new_memory(n)
        self._memory.rollback()
        memory = self._memory.rows(0, n)
        for t in self.inputs:
            memory.write(t.addr, np.stack([q[t.name] for q in quantized]))
        options = [None] * n
        if self.analog_noise is not None:
            sigma, seed = self.analog_noise
            options = [RunOptions(AnalogNoise(sigma, np.random.default_rng([seed, self._runs + i])))
                       for i in range(n)]
        self._runs += n
        counters = execute_batch(self.stream, self.target, memory, self.plan, self.name, options, self._cache, spans)
        ints = {t.name: memory.read(t.addr, t.nbytes).view(np.int8).reshape((n,) + tuple(t.shape))
                for t in self.outputs}
        results = []
        for i in range(n):
            sample_ints = {name: v[i] for name, v in ints.items()}
            floats = {t.name: dequantize(t, sample_ints[t.name]) for t in self.outputs}
            results.append(RunResult(floats, sample_ints, counters[i]))
        return results

    def run_batch(self, inputs, jobs: int = 1, spans: list | None = None) -> tuple[dict[str, np.ndarray], list[Counters]]:
        """Run N samples (conventions of split_batch), `batch` at a time in lock step, on up
        to `jobs` processes (run_samples). Returns ({output name: stacked float32 outputs},
        [counters of each sample])."""
        named = self._named(inputs)
        frames = frames_per_run(self.stream)
        split = {t.name: split_batch(t, named[t.name], frames) for t in self.inputs}
        counts = {name: len(samples) for name, samples in split.items()}
        if len(set(counts.values())) > 1:
            raise InputError(f"inputs hold different sample counts: {counts}")
        n = next(iter(counts.values()), 1)
        results = self.run_samples([{name: samples[i] for name, samples in split.items()}
                                    for i in range(n)], jobs, spans)
        outputs = {t.name: stack_outputs(t, [r.outputs[t.name] for r in results], frames)
                   for t in self.outputs}
        return outputs, [r.counters for r in results]
