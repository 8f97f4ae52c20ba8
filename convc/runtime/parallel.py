"""Samples across processes: `convc run` on many samples uses every core.

One process runs lock-step batches as fast as numpy lets one core go (executor.py); the
work of many samples splits into contiguous parts, one per process, each run by a fresh
Program loaded from the same OUT_DIR in a spawned worker. Every sample's result is what it gives alone, so the split changes nothing but the
time: sample i still draws its analog noise from (seed, i). Workers get one BLAS thread each,
so the processes do not fight over the cores.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def cpus() -> int:
    return len(os.sched_getaffinity(0))


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """[start, end) of `parts` contiguous, near-equal ranges covering 0..n."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


@contextlib.contextmanager
def _environment(values: dict):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_part(out_dir: str, analog_noise, batch: int, first_run: int, samples: list):
    from .host import Program  # in the worker
    program = Program.load(out_dir, analog_noise, batch)
    program._runs = first_run
    return program.run_samples(samples)


def run_across_processes(program, samples: list, jobs: int) -> list:
    """program.run_samples(samples) with the work split over `jobs` worker processes
    (program was loaded from a directory: Program.load). The parent only waits: its BLAS may
    run several threads, which would fight the workers' over the cores."""
    parts = split(len(samples), jobs)
    first = program._runs
    ctx = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads and MLIR
    with _environment(ONE_THREAD):
        pool = ctx.Pool(len(parts))
    with pool:
        pending = [pool.apply_async(_run_part, (str(program.source), program.analog_noise, program.batch,
                                                first + a, samples[a:b])) for a, b in parts]
        results = [r for p in pending for r in p.get()]
    program._runs = first + len(samples)
    return results
