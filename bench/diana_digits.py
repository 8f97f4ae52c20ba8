#!/usr/bin/env python3
"""Digits test-split accuracy on diana's analog array: FP32, thetis INT8, diana with the
ternary-aware model and with the plain model (each with its share of MACs on the analog
array, from the default measured split), and diana under analog noise at three sigmas (mean
+- spread over 5 seeds).

    python bench/diana_digits.py [--models build/models] [--sigmas 0.5,1,2] [--seeds 5]

Every convc row is `convc MODEL --target T --calib CALIB -o OUT` then `convc run OUT --input
test_x.npz -o y.npy [--analog-noise SIGMA,SEED]` on the reference runtime. The plain model is
digits_cnn; the ternary-aware one is digits_cnn_ternary (tools/make_models.py: the same
network fine-tuned with ternary weights on its second conv and hidden Linear, straight-through
estimator). Noise: sigma ADC steps of Gaussian noise on every analog column sum
(docs/command-stream.md, AIMC_MVM). Exit status: 0 all ran, 2 a tool failed.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, ensure_models, find_tool, ort_logits, run_measured  # noqa: E402,E501

MODELS = ("digits_cnn", "digits_cnn_ternary")


def ort_accuracy(model, x, labels):
    return float((ort_logits(model, x).argmax(1) == labels).mean())


_COMPILED = {}


def compile_convc(convc, models, name, target, work):
    """(output dir, analog MAC share, report) of one compile, once per model and target."""
    if (name, target) in _COMPILED:
        return _COMPILED[name, target]
    out = work / f"{name}.{target}"
    check(run_measured([convc, models / f"{name}.onnx", "--target", target, "-o", out,
                        "--calib", models / f"{name}.calib.npz"]), f"convc compile {name} for {target}")
    report = json.loads((out / "report.json").read_text())
    _COMPILED[name, target] = out, report.get("macs_by_engine", {}).get("aimc", {}).get("share", 0.0), report
    return _COMPILED[name, target]


def run_accuracy(convc, out, x, labels, work, noise=None):
    x_npz, y_npy = work / "test_x.npz", work / "y.npy"
    np.savez(x_npz, x=x)
    y_npy.unlink(missing_ok=True)
    cmd = [convc, "run", out, "--input", x_npz, "-o", y_npy]
    if noise is not None:
        cmd += ["--analog-noise", f"{noise[0]},{noise[1]}"]
    check(run_measured(cmd), "convc run")
    return float((np.load(y_npy).argmax(1) == labels).mean())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "diana")
    ap.add_argument("--convc", help="convc executable (default: from PATH / the venv)")
    ap.add_argument("--sigmas", default="0.5,1,2", help="analog noise levels in ADC steps (default 0.5,1,2)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args(argv)

    models = ensure_models(args.models, list(MODELS))
    args.work.mkdir(parents=True, exist_ok=True)
    with np.load(models / "digits_cnn.test.npz") as z:
        x, labels = z["x"], z["y"]
    rows, status = [], 0

    def row(name, fn):
        nonlocal status
        try:
            rows.append((name, *fn()))
        except ToolFailed as e:
            rows.append((name, None, None, str(e)))
            status = 2

    row("FP32 onnxruntime, plain", lambda: (ort_accuracy(models / "digits_cnn.onnx", x, labels), None, None))
    row("FP32 onnxruntime, ternary-aware",
        lambda: (ort_accuracy(models / "digits_cnn_ternary.onnx", x, labels), None, None))
    convc = find_tool("convc", args.convc)

    def convc_row(name, target):
        out, share, _ = compile_convc(convc, models, name, target, args.work)
        return run_accuracy(convc, out, x, labels, args.work), share if target == "diana" else None, None

    row("convc thetis INT8, plain", lambda: convc_row("digits_cnn", "thetis"))
    row("convc diana, ternary-aware", lambda: convc_row("digits_cnn_ternary", "diana"))
    row("convc diana, plain", lambda: convc_row("digits_cnn", "diana"))

    def noisy(name, sigma):
        def fn():
            out, share, _ = compile_convc(convc, models, name, "diana", args.work)
            accs = [run_accuracy(convc, out, x, labels, args.work, (sigma, s)) for s in range(args.seeds)]
            return float(np.mean(accs)), share, float(np.std(accs))
        return fn

    for sigma in [float(v) for v in args.sigmas.split(",")]:
        for name, label in (("digits_cnn_ternary", "ternary-aware"), ("digits_cnn", "plain")):
            row(f"convc diana, {label}, noise sigma {sigma:g}", noisy(name, sigma))

    print(f"digits test split: {len(labels)} samples; noise rows: mean +- std over {args.seeds} seeds")
    print(f"{'variant':44} {'accuracy':>16} {'analog MACs':>12}")
    for name, acc, share, extra in rows:
        if acc is None:
            print(f"{name:44} {'n/a':>16} {'n/a':>12}")
            continue
        spread = f" +- {extra * 100:.2f}" if isinstance(extra, float) else ""
        print(f"{name:44} {f'{acc * 100:.2f}%{spread}':>16} {'-' if share is None else f'{share * 100:.1f}%':>12}")
    for name, acc, _, extra in rows:
        if acc is None:
            print(f"\n{name}: {extra}")
    if args.json:
        args.json.write_text(json.dumps([{"variant": n, "accuracy": a, "analog_mac_share": s,
                                          "spread" if isinstance(e, float) else "error": e}
                                         for n, a, s, e in rows], indent=2) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
