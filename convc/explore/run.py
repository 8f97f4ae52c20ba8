"""Scheduling a sweep: variant targets, the shared fronts, a cache, and the workers.

Per model and per prefix key (evaluate.prefix_key) the front of the pipeline runs once, in
this process, and is written to DIR/front/; every point then compiles from it. A point's row
is cached in DIR/cache/ under the hash of what decides it (the variant target's text, the
model's and calibration's bytes, convc's version), so identical points run once and a rerun
of a sweep only computes what changed. Points run on a local process pool (`jobs` workers)
or, with `ray_address`, as Ray tasks; the rows are the same bytes either way.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from convc.errors import ConvcError
from convc.explore.evaluate import evaluate, front_dump, prefix_key
from convc.explore.sweep import Point, Sweep
from convc.runtime.progress import progress
from convc.runtime.target import TargetError, load_target


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _version() -> bytes:
    from importlib.metadata import version
    from convc.runtime.stream import VERSION_MAJOR, VERSION_MINOR
    return f"convc {version('convc')} stream {VERSION_MAJOR}.{VERSION_MINOR} explore 1".encode()


def _file_bytes(path: Path | None) -> bytes:
    return path.read_bytes() if path is not None else b""


def _evaluate_task(point: Point, front: str) -> dict:
    return evaluate(point, Path(front))


def run_sweep(sweep: Sweep, out: Path, jobs: int = 1, ray_address: str | None = None) -> list[dict]:
    """Every point's row, in point order (each with its `point` index)."""
    points = sweep.points()
    for sub in ("targets", "front", "cache"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    inputs = {m: _digest(_file_bytes(m.onnx), _file_bytes(m.calib)) for m in sweep.models}
    keys, fronts, failed, front_of = {}, {}, {}, {}
    for p in points:
        keys[p.index] = _digest(p.target_text.encode(), inputs[p.model].encode(), _version())
        target_file = out / "targets" / f"{hashlib.sha256(p.target_text.encode()).hexdigest()[:12]}.toml"
        target_file.write_text(p.target_text)
        try:
            front_key = (p.model, prefix_key(load_target(target_file)))
        except TargetError as exc:
            failed[p.index] = {"status": "failed", "reason": f"target: {str(exc).splitlines()[0]}"}
            continue
        fronts.setdefault(front_key, target_file)
        front_of[p.index] = front_key  # each variant target is parsed once
    front_files = {}
    for (model, key), target_file in fronts.items():
        path = out / "front" / f"{_digest(inputs[model].encode(), key.encode(), _version())[:16]}.mlir"
        if not path.exists():
            try:
                path.write_text(front_dump(model, target_file))
            except ConvcError as exc:  # the model itself does not compile: all its points fail
                raise ConvcError(f"{model.onnx}: {exc}") from None
        front_files[(model, key)] = path
    todo, rows = {}, {}
    for p in points:
        if p.index in failed:
            continue
        cached = out / "cache" / f"{keys[p.index]}.json"
        if cached.exists():
            rows[keys[p.index]] = json.loads(cached.read_text())
        elif keys[p.index] not in todo:
            todo[keys[p.index]] = (p, str(front_files[front_of[p.index]]))
    for key, row in _dispatch(list(todo.items()), jobs, ray_address):
        (out / "cache" / f"{key}.json").write_text(json.dumps(row, sort_keys=True) + "\n")
        rows[key] = row
    table = []
    for p in points:
        row = failed.get(p.index) or rows[keys[p.index]]
        if p.index in failed:
            row = {"model": p.model.onnx.stem, **dict(p.params), **row}
        table.append({"point": p.index, **row})
    return table


def _dispatch(todo: list, jobs: int, ray_address: str | None):
    """(cache key, row) for each (key, (point, front)) of `todo`."""
    if not todo:
        return []
    if ray_address is not None:
        return _on_ray(todo, ray_address)
    results = []
    with progress("exploring", len(todo)) as advance:
        if jobs <= 1:
            for key, (point, front) in todo:
                results.append((key, _evaluate_task(point, front)))
                advance()
            return results
        ctx = multiprocessing.get_context("spawn")  # the parent holds MLIR and threads: no fork
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [(key, pool.submit(_evaluate_task, point, front)) for key, (point, front) in todo]
            for key, future in futures:
                results.append((key, future.result()))
                advance()
    return results


def _on_ray(todo: list, address: str):
    """The points as Ray tasks (address "auto": a running cluster; "local": start one here)."""
    try:
        import ray
    except ImportError:
        raise ConvcError("--ray needs the ray package: pip install 'ray==2.60.0'") from None
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=None if address == "local" else address, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        except Exception as exc:  # ray raises ConnectionError, ValueError, its own types
            first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
            raise ConvcError(f"--ray {address}: cannot reach a Ray cluster: {first}") from None
    try:
        task = ray.remote(_evaluate_task)
        refs = [(key, task.remote(point, front)) for key, (point, front) in todo]
        results = []
        with progress("exploring on ray", len(refs)) as advance:
            for key, ref in refs:
                results.append((key, ray.get(ref)))
                advance()
        return results
    finally:
        if started:
            ray.shutdown()
