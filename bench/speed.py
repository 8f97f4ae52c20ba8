#!/usr/bin/env python3
"""Speed of convc at 224x224 against its peers, measured side by side in one run.

    pip install iree-base-compiler==3.13.0    # the compile-time peer (pyproject's `bench` extra)
    python bench/speed.py [--models DIR] [--only NAME ...] [--threads 2] [--samples 64] [--skip-iree]

For resnet18, resnet50 and mobilenetv2 (tools/make_models.py; resnet50 is benchmark-only):

- compile: wall seconds and peak RSS of `convc NAME.onnx --target thetis --calib NAME.calib.npz`
  (calibration included) against `iree-import-onnx` + `iree-compile` (llvm-cpu, host CPU),
  best of two runs each; the ratio convc / iree.
- run: seconds per sample of `convc run OUT --input X --jobs T` on --samples inputs (the
  runtime's own wall figure: lock-step batches on T worker processes of one BLAS thread
  each, their start-up included, the CLI's own excluded) against onnxruntime FP32 on the same
  inputs one at a time with T intra-op threads; and whether the outputs equal running the
  first samples one at a time (`--batch 1`), bit for bit.
- verify: wall seconds of `convc ... --verify` (16 calibration samples through the runtime, the
  integer reference and onnxruntime) on resnet50.
- scaling: compile seconds of conv_chain_{25,50,100,200} (the same conv + BN + ReLU block
  repeated) and the seconds per layer: flat if compile time is linear in the layer count.

Prints the tables and writes bench/speed.json (--json). Exit status 2 if a tool failed.
"""
import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_util  # noqa: E402
from bench_util import (DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, ensure_models, find_tool, fmt,  # noqa: E402
                        iree_compile, ratio, run_measured)

MODELS = ["resnet18", "resnet50", "mobilenetv2"]
CHAINS = [25, 50, 100, 200]



def best_of(n, fn):
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r["seconds"])


def convc_compile(model, calib, out, extra=()):
    r = check(run_measured([find_tool("convc"), model, "--target", "thetis", "-o", out, "--calib", calib, *extra],
                           timeout_s=1800), "convc")
    return {"seconds": r.wall_s, "peak_rss_mb": r.peak_rss_mb}





def thread_env(threads):
    return {k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def convc_run(out, x_npy, y_npy, threads, batch=None):
    """Seconds per sample from `convc run`'s own wall figure (the batch, without start-up)."""
    env = {**os.environ, **thread_env(threads)}
    cmd = [find_tool("convc"), "run", out, "--input", x_npy, "-o", y_npy, "--jobs", str(threads)]
    cmd += ["--batch", str(batch)] if batch else []
    r = check(run_measured(cmd, timeout_s=1800, env=env), "convc run")
    m = re.search(r"^(\d+) samples, .* ([0-9.]+) s wall$", r.stdout.strip(), re.M)
    if not m:
        raise ToolFailed(f"convc run printed no wall time: {r.stdout.strip()[-200:]}")
    return float(m.group(2)) / int(m.group(1)), r.peak_rss_mb


def ort_per_sample(model, x, threads):
    import onnxruntime as ort
    import time
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    sess = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    sess.run(None, {name: x[:1]})  # warm-up
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        for i in range(len(x)):
            sess.run(None, {name: x[i:i + 1]})
        took = (time.perf_counter() - t0) / len(x)
        best = took if best is None else min(best, took)
    return best


def bench_model(name, models, work, args, errors):
    onnx_path, calib, sample = (models / f"{name}.{k}" for k in ("onnx", "calib.npz", "sample.npz"))
    work = work / name
    work.mkdir(parents=True, exist_ok=True)
    res = {}

    def attempt(key, fn):
        bench_util.attempt(res, key, fn, errors, name)

    if not args.skip_iree:
        attempt("iree_compile", lambda: best_of(2, lambda: iree_compile(onnx_path, work)))
    attempt("convc_compile", lambda: best_of(2, lambda: convc_compile(onnx_path, calib, work / "convc")))
    if res.get("convc_compile"):
        base = np.load(sample)["x"]
        x = np.concatenate([base] * -(-args.samples // len(base)))[:args.samples]
        x = x + np.random.default_rng(0).standard_normal(x.shape, dtype=np.float32) * 0.1  # 64 distinct samples
        np.save(work / "x.npy", x)
        np.save(work / "x_few.npy", x[:3])

        def run():
            per_sample, rss = convc_run(work / "convc", work / "x.npy", work / "y.npy", args.threads)
            convc_run(work / "convc", work / "x_few.npy", work / "y_one.npy", args.threads, batch=1)
            same = bool(np.array_equal(np.load(work / "y.npy")[:3], np.load(work / "y_one.npy")))
            ort = ort_per_sample(onnx_path, x, args.threads)
            return {"seconds_per_sample": per_sample, "peak_rss_mb": rss, "onnxruntime_seconds_per_sample": ort,
                    "batch_equals_one_by_one": same}
        attempt("run", run)
        if name == "resnet50" and not args.skip_verify:
            attempt("verify", lambda: convc_compile(onnx_path, calib, work / "convc_v", ["--verify"]))
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--only", nargs="+", choices=MODELS)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--skip-iree", action="store_true")
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--json", type=Path, default=REPO_ROOT / "bench" / "speed.json")
    args = ap.parse_args(argv)
    names = args.only or MODELS
    chains = [] if args.skip_scaling else [f"conv_chain_{d}" for d in CHAINS]
    models = ensure_models(args.models, names + chains)
    work = REPO_ROOT / "build" / "bench" / "speed"
    errors, results = [], {}
    for name in names:
        print(f"{name} ...", flush=True)
        results[name] = bench_model(name, models, work, args, errors)

    print(f"\ncompile (best of 2; convc with its 16-sample calibration) and run ({args.samples} samples, "
          f"{args.threads} threads)")
    print(f"{'model':<12} {'convc s':>8} {'iree s':>8} {'ratio':>6} {'convc MB':>9} {'iree MB':>8} "
          f"{'run ms':>8} {'ort ms':>7} {'ratio':>6} {'batch==1by1':>11}")
    for name, r in results.items():
        c, i, run = r.get("convc_compile"), r.get("iree_compile"), r.get("run")
        g = lambda d, k: d[k] if d else None  # noqa: E731
        run_ms = g(run, "seconds_per_sample") and 1e3 * run["seconds_per_sample"]
        ort_ms = g(run, "onnxruntime_seconds_per_sample") and 1e3 * run["onnxruntime_seconds_per_sample"]
        print(f"{name:<12} {fmt(g(c, 'seconds'), '8.2f')} {fmt(g(i, 'seconds'), '8.2f')} "
              f"{fmt(ratio(g(c, 'seconds'), g(i, 'seconds')), '6.2f')} {fmt(g(c, 'peak_rss_mb'), '9.0f')} "
              f"{fmt(g(i, 'peak_rss_mb'), '8.0f')} {fmt(run_ms, '8.1f')} {fmt(ort_ms, '7.1f')} "
              f"{fmt(ratio(run_ms, ort_ms), '6.2f')} {str(g(run, 'batch_equals_one_by_one')):>11}")
    if results.get("resnet50", {}).get("verify"):
        v = results["resnet50"]["verify"]
        print(f"\nresnet50 compile + --verify (16 samples): {v['seconds']:.1f} s, peak {v['peak_rss_mb']:.0f} MB")

    if chains:
        print("\ncompile-time scaling (conv_chain_N: N conv+BN+ReLU layers, 16x16x32)")
        print(f"{'layers':>6} {'seconds':>8} {'ms/layer':>9}")
        results["scaling"] = {}
        for depth, name in zip(CHAINS, chains):
            try:
                r = convc_compile(models / f"{name}.onnx", models / f"{name}.calib.npz", work / name)
            except ToolFailed as e:
                errors.append(f"{name}: {e}")
                continue
            results["scaling"][depth] = r
            print(f"{depth:>6} {r['seconds']:>8.2f} {1e3 * r['seconds'] / depth:>9.1f}")

    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {args.json}")
    return bench_util.finish(errors)


if __name__ == "__main__":
    sys.exit(main())
