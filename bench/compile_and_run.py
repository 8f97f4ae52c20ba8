#!/usr/bin/env python3
"""Compile time / peak memory of convc vs iree-compile (llvm-cpu, host), and
per-sample run time of the convc runtime vs onnxruntime, for each model.

    python bench/compile_and_run.py [--models build/models] [--only NAME ...]

Prints a table and writes bench/results.json. A missing or failing tool gives
"n/a" and a message at the end, not a traceback; the exit status is then 2.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_util  # noqa: E402
from bench_util import (DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, ensure_models,  # noqa: E402
                        find_tool, fmt, iree_compile, ort_session, ratio, run_measured)

MODELS = ["resnet_mini", "mobilenetv2_mini", "mlp", "digits_cnn"]



def convc_compile(convc, model, calib, out):
    r = check(run_measured([convc, model, "--target", "thetis", "-o", out, "--calib", calib]),
              "convc compile")
    return {"seconds": r.wall_s, "peak_rss_mb": r.peak_rss_mb}





def per_sample_times(run_one, x, repeat):
    """Median seconds of one batch-1 inference, after one warm-up; and the outputs."""
    outs = [run_one(x[i:i + 1]) for i in range(len(x))]
    times = []
    for _ in range(repeat):
        for i in range(len(x)):
            t0 = time.perf_counter()
            run_one(x[i:i + 1])
            times.append(time.perf_counter() - t0)
    return statistics.median(times), np.concatenate(outs)


def convc_runtime(convc, out_dir, sample_npz, x, repeat, work):
    """In-process via convc.runtime.host.Program when it exists (no process start-up
    in the timing); else the CLI over all samples, time divided by the count."""
    try:
        from convc.runtime.host import Program
    except ImportError:
        Program = None
    if Program is not None:
        def run_one(xi):
            outs = prog.run({"x": xi}).outputs
            return np.asarray(outs["y"] if isinstance(outs, dict) else outs[0]).reshape(1, -1)
        try:  # the runtime is young: any error is reported, not raised
            prog = Program.load(out_dir)
            sec, y = per_sample_times(run_one, x, repeat)
        except Exception as e:
            raise ToolFailed(f"convc runtime (in-process Program) failed: {type(e).__name__}: {e}")
        return {"seconds_per_sample": sec, "mode": "in-process"}, y
    y_npy = work / "convc_y.npy"
    r = check(run_measured([convc, "run", out_dir, "--input", sample_npz, "-o", y_npy]), "convc run")
    return {"seconds_per_sample": r.wall_s / len(x), "mode": "cli (incl. start-up)"}, np.load(y_npy)


def bench_model(name, models, work, args, errors):
    onnx_path, calib, sample = (models / f"{name}.{k}" for k in ("onnx", "calib.npz", "sample.npz"))
    work = work / name
    work.mkdir(parents=True, exist_ok=True)
    x = np.load(sample)["x"]
    res = {}

    def attempt(key, fn):
        bench_util.attempt(res, key, fn, errors, name)

    sess = ort_session(onnx_path)
    ort_sec, y_ort = per_sample_times(lambda xi: sess.run(None, {"x": xi})[0], x, args.repeat)
    res["onnxruntime_run"] = {"seconds_per_sample": ort_sec}
    if not args.skip_iree:
        attempt("iree_compile", lambda: iree_compile(onnx_path, work))
    if not args.skip_convc:
        attempt("convc_compile", lambda: convc_compile(find_tool("convc", args.convc),
                                                       onnx_path, calib, work / "convc"))
        if res["convc_compile"]:
            def run():
                r, y = convc_runtime(find_tool("convc", args.convc), work / "convc", sample, x,
                                     args.repeat, work)
                # INT8 vs FP32: report top-1 agreement, not equality.
                r["top1_agree_with_onnxruntime"] = float((y.argmax(1) == y_ort.argmax(1)).mean())
                return r
            attempt("convc_run", run)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "compile")
    ap.add_argument("--only", nargs="+", choices=MODELS, metavar="NAME")
    ap.add_argument("--repeat", type=int, default=20, help="timed passes over the samples")
    ap.add_argument("--convc", help="convc executable (default: from PATH / the venv)")
    ap.add_argument("--skip-convc", action="store_true")
    ap.add_argument("--skip-iree", action="store_true")
    ap.add_argument("--json", type=Path, default=REPO_ROOT / "bench" / "results.json")
    args = ap.parse_args(argv)

    names = args.only or MODELS
    models = ensure_models(args.models, names)
    errors, results = [], {}
    for name in names:
        print(f"{name} ...", file=sys.stderr, flush=True)
        results[name] = bench_model(name, models, args.work, args, errors)

    g = lambda r, k, f: (r.get(k) or {}).get(f)  # noqa: E731
    hdr = (f"{'model':17} {'convc s':>8} {'MB':>6} {'iree s':>8} {'MB':>6} {'c/iree':>7} | "
           f"{'convc ms':>9} {'ort ms':>8} {'c/ort':>8} {'top1':>5}")
    print(hdr)
    print("-" * len(hdr))
    for name, r in results.items():
        cc, ic = g(r, "convc_compile", "seconds"), g(r, "iree_compile", "seconds")
        cr, orr = g(r, "convc_run", "seconds_per_sample"), g(r, "onnxruntime_run", "seconds_per_sample")
        r["ratios"] = {"compile_convc_over_iree": ratio(cc, ic), "run_convc_over_onnxruntime": ratio(cr, orr)}
        print(f"{name:17} {fmt(cc, '8.2f')} {fmt(g(r, 'convc_compile', 'peak_rss_mb'), '6.0f')} "
              f"{fmt(ic, '8.2f')} {fmt(g(r, 'iree_compile', 'peak_rss_mb'), '6.0f')} "
              f"{fmt(r['ratios']['compile_convc_over_iree'], '7.2f')} | "
              f"{fmt(cr and cr * 1e3, '9.3f')} {fmt(orr * 1e3, '8.3f')} "
              f"{fmt(r['ratios']['run_convc_over_onnxruntime'], '8.1f')} "
              f"{fmt(g(r, 'convc_run', 'top1_agree_with_onnxruntime'), '5.2f')}")
    print("compile: wall seconds and peak RSS (MB) of the compiler process(es); "
          "run: median ms per batch-1 sample, 1 thread; top1: convc vs onnxruntime agreement")
    modes = sorted({r["convc_run"]["mode"] for r in results.values() if r.get("convc_run")})
    if modes:
        print(f"convc run mode: {', '.join(modes)}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"models": results, "errors": errors}, indent=1) + "\n")
    print(f"wrote {args.json}")
    return bench_util.finish(errors)


if __name__ == "__main__":
    sys.exit(main())
