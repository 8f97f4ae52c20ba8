#!/usr/bin/env python3
"""Points per second of `convc explore` on the example sweep, locally and on Ray.

    python bench/explore.py [--sweep examples/explore/thetis_sweep.toml] [--skip-ray]

Runs the sweep three times into fresh directories (no cached rows): one worker process, one
per CPU, and `--ray local` (a Ray instance started on this machine), and prints the wall time
and points per second of each, with whether their tables are the same bytes.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_util import DEFAULT_MODELS, REPO_ROOT, check, ensure_models, find_tool, run_measured  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sweep", type=Path, default=REPO_ROOT / "examples" / "explore" / "thetis_sweep.toml")
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args(argv)
    ensure_models(DEFAULT_MODELS, ["resnet_mini", "mlp"])
    cpus = len(os.sched_getaffinity(0))
    modes = [("1 process", ["--jobs", "1"]), (f"{cpus} processes", ["--jobs", str(cpus)])]
    if not args.skip_ray:
        modes.append(("ray (local instance)", ["--ray", "local"]))
    tables = {}
    print(f"{'mode':<22} {'points':>6} {'seconds':>8} {'points/s':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in modes:
            out = Path(tmp) / name.split()[0]
            r = check(run_measured([find_tool("convc"), "explore", args.sweep, "-o", out, *extra], timeout_s=3600),
                      f"convc explore ({name})")
            points = len((out / "points.csv").read_text().splitlines()) - 1
            tables[name] = (out / "points.csv").read_bytes()
            print(f"{name:<22} {points:>6} {r.wall_s:>8.1f} {points / r.wall_s:>9.2f}")
    print("tables identical:", len(set(tables.values())) == 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
