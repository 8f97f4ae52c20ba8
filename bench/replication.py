#!/usr/bin/env python3
"""Weight replication: each model as compiled by default versus with `opportunity parallelism all`.

Both variants compile with the convc CLI from the same calibration samples and run the model's
sample inputs on the reference runtime with counters. Printed per model and variant: the
compiler's estimated cycles, the runtime's simulated cycles per sample (max over samples),
DRAM bytes moved and energy per sample, compile seconds, and whether both variants' outputs are
identical (replication must not change a single bit).

    python bench/replication.py [--models build/models] [--only NAME ...]

Exit status: 0 all ran, 2 a convc step failed.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import DEFAULT_MODELS, REPO_ROOT, ToolFailed, check, ensure_models, find_tool, run_measured  # noqa: E402

MODELS = ["resnet_mini", "mobilenetv2_mini", "digits_cnn", "mlp"]
PARALLEL = "version 1\nopportunity parallelism all\n"


def variant(convc, models, name, work, tag, annotations=None):
    out = work / f"{name}_{tag}"
    extra = ["--annotations", annotations] if annotations else []
    compiled = check(run_measured([convc, models / f"{name}.onnx", "--target", "thetis", "-o", out,
                                   "--calib", models / f"{name}.calib.npz", *extra]), f"convc compile ({name}, {tag})")
    y, counters = work / f"{name}_{tag}_y.npy", work / f"{name}_{tag}_counters.json"
    check(run_measured([convc, "run", out, "--input", models / f"{name}.sample.npz", "-o", y,
                        "--counters", counters]), f"convc run ({name}, {tag})")
    report = json.loads((out / "report.json").read_text())
    per = json.loads(counters.read_text())["per_sample"]
    return {"est": report["passes"]["estimated_cycles"], "sim": per["total_cycles"], "dram": per["bytes"]["dram"],
            "energy_uj": per["energy_uj"], "compile_s": compiled.wall_s,
            "copies": report["passes"].get("replica_copies", 0), "y": np.load(y)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench" / "replication")
    ap.add_argument("--only", nargs="*", default=MODELS)
    ap.add_argument("--convc", help="convc executable (default: from PATH / the venv)")
    args = ap.parse_args(argv)
    models = ensure_models(args.models, args.only)
    args.work.mkdir(parents=True, exist_ok=True)
    cva = args.work / "parallel.cva"
    cva.write_text(PARALLEL)
    convc = find_tool("convc", args.convc)
    print(f"{'model':18} {'variant':9} {'copies':>6} {'est. cycles':>11} {'sim cycles':>10} {'DRAM B':>8} "
          f"{'energy uJ':>9} {'compile s':>9}  speed-up (est./sim.)  identical")
    for name in args.only:
        try:
            base = variant(convc, models, name, args.work, "default")
            par = variant(convc, models, name, args.work, "parallel", cva)
        except ToolFailed as e:
            print(f"{name}: {e}", file=sys.stderr)
            return 2
        for tag, v in (("default", base), ("parallel", par)):
            extra = ""
            if v is par:
                extra = (f"  {base['est'] / par['est']:.2f}x / {base['sim'] / par['sim']:.2f}x"
                         f"            {np.array_equal(base['y'], par['y'])}")
            print(f"{name:18} {tag:9} {v['copies']:6d} {v['est']:11d} {v['sim']:10d} {v['dram']:8d} "
                  f"{v['energy_uj']:9.3f} {v['compile_s']:9.2f}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
