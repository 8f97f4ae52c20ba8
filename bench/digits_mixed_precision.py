#!/usr/bin/env python3
"""Digits CNN: all-int8 versus examples/annotations/digits_mixed_precision.cva on thetis_mp.

Both variants compile with the convc CLI from the same calibration samples and run the whole
test split on the reference runtime. Printed per variant: test accuracy, the compiler's
estimated end-to-end cycles, the runtime's simulated cycles per sample, and the weight bytes
in DRAM; plus the FP32 onnxruntime accuracy of the same model for reference.

    python bench/digits_mixed_precision.py [--models build/models] [--annotations FILE.cva]

Exit status: 0 all ran, 2 a convc step failed.
"""
import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import (DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, digits_split,  # noqa: E402
                        find_tool, run_measured)
from digits_accuracy import ort_logits  # noqa: E402

MIXED = REPO_ROOT / "examples" / "annotations" / "digits_mixed_precision.cva"


def convc_variant(convc, model, calib, x_npz, work, name, annotations=None):
    out = work / name
    extra = ["--annotations", annotations] if annotations else []
    check(run_measured([convc, model, "--target", "thetis_mp", "-o", out, "--calib", calib, *extra]),
          f"convc compile ({name})")
    y_npy = work / f"{name}_y.npy"
    y_npy.unlink(missing_ok=True)
    proc = run_measured([convc, "run", out, "--input", x_npz, "-o", y_npy])
    check(proc, f"convc run ({name})")
    m = re.search(r"(\d+) cycles/sample", proc.stdout + proc.stderr)
    if not m or not y_npy.exists():
        raise ToolFailed(f"convc run ({name}) printed no cycle count or wrote no {y_npy}")
    report = json.loads((out / "report.json").read_text())
    return np.load(y_npy), report["passes"]["estimated_cycles"], int(m.group(1)), report["passes"]["dram_bytes"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "mixed")
    ap.add_argument("--annotations", type=Path, default=MIXED, help="the mixed-precision file")
    ap.add_argument("--convc", help="convc executable (default: from PATH / the venv)")
    args = ap.parse_args(argv)

    model, calib, x, labels = digits_split(args.models, args.work)
    x_npz = args.work / "test_x.npz"
    np.savez(x_npz, x=x)
    fp32 = float((ort_logits(model, x).argmax(1) == labels).mean())
    print(f"digits_cnn on thetis_mp, test split: {len(labels)} samples; FP32 onnxruntime {fp32 * 100:.2f}%")
    print(f"{'variant':28} {'accuracy':>9} {'est. cycles':>12} {'sim cycles':>11} {'DRAM bytes':>11}")
    convc = find_tool("convc", args.convc)
    base = None
    for name, cva in (("all-int8", None), (args.annotations.stem, args.annotations)):
        try:
            y, est, sim, dram = convc_variant(convc, model, calib, x_npz, args.work, name, cva)
        except ToolFailed as e:
            print(f"{name}: {e}", file=sys.stderr)
            return 2
        acc = float((y.reshape(len(x), -1).argmax(1) == labels).mean())
        speedup = "" if base is None else f"  ({base[0] / est:.2f}x est., {base[1] / sim:.2f}x sim. faster)"
        base = base or (est, sim)
        print(f"{name:28} {acc * 100:8.2f}% {est:12d} {sim:11d} {dram:11d}{speedup}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
