"""Helpers shared by the benchmark scripts: model cache, tool lookup, and
running a command while measuring its wall time and peak memory."""
import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = REPO_ROOT / "build" / "models"


class ToolFailed(Exception):
    """A benchmarked tool is missing or failed; the message says which and why."""


def ensure_models(models_dir, names):
    """Generate the models with tools/make_models.py if any file is missing."""
    models_dir = Path(models_dir)
    kinds = ("onnx", "calib.npz", "sample.npz")
    missing = [n for n in names if not all((models_dir / f"{n}.{k}").exists() for k in kinds)]
    if "digits_cnn" in names and not (models_dir / "digits_cnn.test.npz").exists():
        missing.append("digits_cnn")
    if missing:
        print(f"generating {', '.join(sorted(set(missing)))} into {models_dir} ...", flush=True)
        _make_models().make_all(models_dir, sorted(set(missing)))
    return models_dir


def digits_split(models_dir, work):
    """(model, calibration npz, test inputs, test labels) of digits_cnn; creates `work`."""
    models = ensure_models(models_dir, ["digits_cnn"])
    work.mkdir(parents=True, exist_ok=True)
    with np.load(models / "digits_cnn.test.npz") as z:
        x, labels = z["x"], z["y"]
    return models / "digits_cnn.onnx", models / "digits_cnn.calib.npz", x, labels


def ort_logits(model_path, x):
    """FP32 onnxruntime outputs of a batch-1 model with input `x`, one sample per run."""
    sess = ort_session(model_path)
    return np.concatenate([sess.run(None, {"x": x[i:i + 1]})[0] for i in range(len(x))])


def find_tool(name, override=None):
    """A console script: explicit path, else PATH, else beside this Python
    (the venv's bin/ may not be on PATH when the venv is not activated)."""
    if override:
        return override
    found = shutil.which(name) or (Path(sys.executable).parent / name)
    if not Path(found).exists():
        raise ToolFailed(f"`{name}` not found on PATH nor in {Path(sys.executable).parent}")
    return str(found)


@dataclasses.dataclass
class Run:
    cmd: list
    returncode: int
    wall_s: float
    peak_rss_mb: float  # of the child and any descendants it waited for
    stdout: str
    stderr: str


def run_measured(cmd, timeout_s=900, env=None):
    """Run cmd; wall time and the child's own peak RSS via os.wait4
    (RUSAGE_CHILDREN deltas would report the max over all earlier children)."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        except OSError as e:  # missing or not executable
            raise ToolFailed(f"cannot start {cmd[0]}: {e}") from None
        killer = threading.Timer(timeout_s, p.kill)
        killer.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        killer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
        out.seek(0)
        err.seek(0)
        return Run(cmd, p.returncode, wall, usage.ru_maxrss / 1024.0,  # Linux: KiB
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def attempt(results: dict, key: str, fn, errors: list, label: str) -> None:
    """results[key] = fn(), or None with the failure in `errors` ("label / key: why"): a
    benchmark goes on past a tool that is missing or fails."""
    try:
        results[key] = fn()
    except ToolFailed as e:
        results[key] = None
        errors.append(f"{label} / {key}: {e}")


def finish(errors: list) -> int:
    """Print the failures after the tables; the exit status: 2 if a tool failed, else 0."""
    for e in errors:
        print(f"\n{e}", file=sys.stderr)
    return 2 if errors else 0


def check(run, what):
    """Raise ToolFailed with the tail of the tool's output if it failed."""
    if run.returncode != 0:
        tail = "\n".join((run.stderr.strip() or run.stdout.strip()).splitlines()[-12:])
        raise ToolFailed(f"{what} failed (exit {run.returncode}): {' '.join(run.cmd)}\n"
                         + "\n".join("    | " + line for line in tail.splitlines()))
    return run


def ort_session(path):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1  # single-core comparison, stable timings
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def ort_int8_model(fp32_path, calib_path, out_path, batch=1):
    """onnxruntime's own static INT8 (QDQ, per-channel weights), the peer for convc's
    quantization; calibrates on the same npz convc does (tools/make_models.py, which also
    ships one such model to the tests)."""
    return _make_models().ort_quantize_static(fp32_path, calib_path, out_path, batch)


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", REPO_ROOT / "tools" / "make_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


IREE_FLAGS = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
              "--iree-llvmcpu-target-cpu=host"]


def iree_compile(model, work, timeout_s=1800):
    """Import + compile, as a user of IREE has to: times summed, memory the larger."""
    mlir, vmfb = Path(work) / "model.mlir", Path(work) / "model.vmfb"
    a = check(run_measured([find_tool("iree-import-onnx"), model, "-o", mlir], timeout_s), "iree-import-onnx")
    b = check(run_measured([find_tool("iree-compile"), mlir, *IREE_FLAGS, "-o", vmfb], timeout_s), "iree-compile")
    return {"seconds": a.wall_s + b.wall_s, "peak_rss_mb": max(a.peak_rss_mb, b.peak_rss_mb),
            "import_seconds": a.wall_s, "compile_seconds": b.wall_s}


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec):
    """A number in a fixed-width table column, or n/a."""
    width = spec.split(".")[0]
    return f"{'n/a':>{width}}" if v is None else format(v, spec)
