#!/usr/bin/env python3
"""Real-size networks on thetis: compile time, accuracy against FP32 onnxruntime, and
onnxruntime's own static INT8 on the same inputs as the peer.

    python bench/real_models.py [--models build/models] [--only NAME ...] [--json PATH]

Per model: `convc MODEL --target thetis --calib CALIB --verify --verify-inputs SAMPLE` (wall
seconds of the whole command and convc's own compile_seconds, without --verify's runs), the
worst-sample cosine and top-1 agreement of convc's INT8 against FP32 onnxruntime, and the same
two figures for onnxruntime's quantize_static model (QDQ, per-channel, same calibration npz).
Top-1 is meaningless for the detection head and the autoencoder (their outputs are not classes).

Exit status: 0 all ran, 2 a tool failed (its row shows n/a and the message follows).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import (DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, ensure_models,  # noqa: E402
                        find_tool, ort_int8_model, ort_session, run_measured)

MODELS = ("resnet18", "mobilenetv2", "efficientnet_lite0", "yolo_head", "yolo_head_b2", "vit_tiny", "autoencoder",
          "alexnet_lrn")


def batch_of(model_path):
    return max(1, onnx.load(str(model_path)).graph.input[0].type.tensor_type.shape.dim[0].dim_value)


def compare(sess, ref_sess, x, batch):
    """(worst cosine, top-1 agreement) of sess against ref_sess, one model batch at a time."""
    cosines, agree, n = [], 0, 0
    for i in range(0, len(x), batch):
        y = sess.run(None, {"x": x[i:i + batch]})[0].reshape(batch, -1).astype(np.float64)
        r = ref_sess.run(None, {"x": x[i:i + batch]})[0].reshape(batch, -1).astype(np.float64)
        cosines.append(float((y * r).sum() / (np.linalg.norm(y) * np.linalg.norm(r))))
        agree += int((y.argmax(1) == r.argmax(1)).sum())
        n += batch
    return min(cosines), agree / n


def bench(convc, models, name, work):
    model, calib, sample = (models / f"{name}.{k}" for k in ("onnx", "calib.npz", "sample.npz"))
    out = work / name
    run = run_measured([convc, model, "--target", "thetis", "-o", out, "--calib", calib,
                        "--verify", "--verify-inputs", sample])
    check(run, f"convc {name}")
    report = json.loads((out / "report.json").read_text())
    row = {"model": name, "wall_s": run.wall_s, "compile_s": report["compile_seconds"],
           "peak_rss_mb": run.peak_rss_mb, "cosine": report["verify"]["cosine"],
           "top1": report["verify"]["top1_agreement"], "integer_exact": report["verify"]["integer_exact"]}
    batch = batch_of(model)
    int8 = ort_int8_model(model, calib, work / f"{name}.ort_int8.onnx", batch)
    with np.load(sample) as z:
        x = z["x"]
    row["ort_int8_cosine"], row["ort_int8_top1"] = compare(ort_session(int8), ort_session(model), x, batch)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--only", nargs="+", choices=MODELS, default=list(MODELS))
    ap.add_argument("--convc", help="path of the convc executable")
    ap.add_argument("--json", type=Path, default=REPO_ROOT / "bench" / "real_models.json")
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "real_models")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    models = ensure_models(args.models, args.only)
    rows, failures = [], []
    try:
        convc = find_tool("convc", args.convc)
    except ToolFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name in args.only:
        try:
            rows.append(bench(convc, models, name, args.work))
        except ToolFailed as exc:
            failures.append(str(exc))
            rows.append({"model": name})
    head = f"{'model':20s} {'compile s':>9s} {'wall s':>7s} {'exact':>5s} {'cosine':>7s} {'top1':>5s} {'ORT-int8 cos':>12s} {'top1':>5s}"
    print(head)
    for r in rows:
        if "cosine" not in r:
            print(f"{r['model']:20s} n/a")
            continue
        print(f"{r['model']:20s} {r['compile_s']:9.2f} {r['wall_s']:7.1f} {str(r['integer_exact']):>5s} "
              f"{r['cosine']:7.4f} {'n/a' if r['top1'] is None else format(r['top1'], '5.2f'):>5} "
              f"{r['ort_int8_cosine']:12.4f} {r['ort_int8_top1']:5.2f}")
    args.json.write_text(json.dumps(rows, indent=1) + "\n")
    for f in failures:
        print(f"error: {f}", file=sys.stderr)
    return 2 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
