"""`convc explore SWEEP.toml -o DIR [--jobs N] [--ray ADDRESS]`."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from convc.explore import pareto, sweep as sweep_mod
from convc.explore.run import run_sweep
from convc.runtime.parallel import cpus


def explore_main(argv) -> int:
    p = argparse.ArgumentParser(
        prog="convc explore",
        description="Compile every model of a sweep file on every variant of its base target (docs/explore.md): "
                    "DIR/points.csv (every point, failed ones with the reason), DIR/pareto.csv (the front of the "
                    "objectives among the points that meet the constraints) and DIR/index.html (the plots).")
    p.add_argument("sweep", type=Path, metavar="SWEEP.toml")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    p.add_argument("--jobs", "-j", type=int, default=cpus(), metavar="N",
                   help=f"worker processes for the points (default: the {cpus()} CPUs)")
    p.add_argument("--ray", metavar="ADDRESS", help='run the points as tasks on a Ray cluster: its address, "auto" '
                   'for the cluster this machine belongs to, or "local" to start one here (pip install ray)')
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs must be at least 1, got {args.jobs}")
    sweep = sweep_mod.load(args.sweep)
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    rows = run_sweep(sweep, out, args.jobs, args.ray)
    pareto.check_constraints(rows, sweep.constraints)
    best = pareto.front(rows, sweep.objectives)
    params = list(sweep.parameters) + list(sweep.tied)
    (out / "points.csv").write_text(pareto.to_csv(rows, params))
    (out / "pareto.csv").write_text(pareto.to_csv(best, params))
    (out / "points.json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")
    (out / "index.html").write_text(pareto.to_html(rows, best, sweep.objectives, f"convc explore: {sweep.path}"))
    ok = sum(r["status"] == "ok" for r in rows)
    print(f"convc explore: {len(rows)} points ({ok} working, {len(rows) - ok} failed or over a constraint), "
          f"{len(best)} on the Pareto front -> {out}/points.csv, pareto.csv, index.html")
    return 0
