#!/usr/bin/env python3
"""Digits test-split accuracy: FP32 onnxruntime vs onnxruntime's static INT8
(QDQ, per-channel) vs convc INT8 on the thetis runtime.

Both INT8 variants calibrate on exactly the same samples (digits_cnn.calib.npz),
so the difference between them is the quantizer, not the data.

    python bench/digits_accuracy.py [--models build/models] [--skip-convc]

Exit status: 0 all ran, 2 convc missing/failed (the other rows are still printed).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import (DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, digits_split,  # noqa: E402
                        find_tool, ort_int8_model, ort_logits, run_measured)


def convc_logits(convc, model, calib, x, work):
    """Compile with the convc CLI, then run the test inputs on its runtime."""
    out_dir, x_npz, y_npy = work / "convc_digits", work / "test_x.npz", work / "convc_y.npy"
    check(run_measured([convc, model, "--target", "thetis", "-o", out_dir, "--calib", calib]),
          "convc compile")
    np.savez(x_npz, x=x)
    y_npy.unlink(missing_ok=True)
    check(run_measured([convc, "run", out_dir, "--input", x_npz, "-o", y_npy]), "convc run")
    if not y_npy.exists():
        raise ToolFailed(f"convc run exited 0 but wrote no {y_npy}")
    y = np.load(y_npy)
    if y.shape != (len(x), 10):
        raise ToolFailed(f"convc run wrote logits of shape {y.shape}, expected {(len(x), 10)}")
    return y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "digits")
    ap.add_argument("--convc", help="convc executable (default: from PATH / the venv)")
    ap.add_argument("--skip-convc", action="store_true", help="only the onnxruntime rows")
    args = ap.parse_args(argv)

    model, calib, x, labels = digits_split(args.models, args.work)

    def acc(logits):
        return float((logits.argmax(1) == labels).mean())

    rows = [("FP32 onnxruntime", acc(ort_logits(model, x)), None)]
    int8 = ort_int8_model(model, calib, args.work / "digits_cnn.ort_int8.onnx")
    rows.append(("INT8 onnxruntime QDQ per-channel", acc(ort_logits(int8, x)), None))
    status = 0
    if not args.skip_convc:
        try:
            rows.append(("INT8 convc thetis", acc(convc_logits(find_tool("convc", args.convc),
                                                                model, calib, x, args.work)), None))
        except ToolFailed as e:
            rows.append(("INT8 convc thetis", None, str(e)))
            status = 2

    fp32 = rows[0][1]
    print(f"digits_cnn, test split: {len(labels)} samples; "
          f"INT8 calibration: {calib.name} (same samples for both INT8 rows)")
    print(f"{'variant':34} {'accuracy':>9} {'drop vs FP32':>13}")
    for name, a, err in rows:
        if a is None:
            print(f"{name:34} {'n/a':>9} {'n/a':>13}")
        else:
            drop = "-" if name.startswith("FP32") else f"{(fp32 - a) * 100:+.2f} pts"
            print(f"{name:34} {a * 100:8.2f}% {drop:>13}")
    for name, _, err in rows:
        if err:
            print(f"\n{name}: {err}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
