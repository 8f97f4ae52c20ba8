#!/usr/bin/env python3
"""Mapping quality on thetis: frames per second and energy per frame, latency and throughput
objectives, next to the vendor compiler's published figures for the chip thetis is modelled on.

    python bench/mapping_quality.py [--models DIR] [--only NAME ...] [--batch 8 16] [--json OUT]

For resnet18, resnet50 and mobilenetv2 at 224x224 (tools/make_models.py; resnet50 is
benchmark-only), each compiled twice with the README's command:

- latency: `convc NAME.onnx --target thetis --calib NAME.calib.npz` (batch 1, the default);
- throughput: the same with `--objective throughput --batch B` for each B (docs/throughput.md);

then one inference of each stream (1 frame, B frames) on the reference runtime with
`convc run --counters`: the measured cycles next to the compiler's estimate (report.json), the
frames per second at thetis's clock, energy per frame, and the effective TOPS/W (2 ops per
MAC of the network's matrix products over all the energy the counters book: arrays, DPU
work, every byte moved), next to the
Metis figures published in Axelera's Voyager SDK model zoo (four 512x512 digital IMC cores at
800 MHz; 15 TOPS/W for its arrays). thetis's arrays alone are 2 / 0.05 pJ = 40 TOPS/W by the
target file's declaration, so the chip figure is what the mapping's data movement leaves of it.

Prints the table and writes bench/mapping_quality.json. Exit status 2 if a tool failed.
"""
import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_util  # noqa: E402
from bench_util import DEFAULT_MODELS, check, ensure_models, find_tool, fmt, run_measured  # noqa: E402

MODELS = ["resnet18", "resnet50", "mobilenetv2"]
# Frames per second of Axelera's compiler on Metis (Voyager SDK model zoo, published).
METIS_FPS = {"resnet50": 1946, "resnet18": 3904, "mobilenetv2": 3670}
METIS_TOPS_PER_W = 15.0
CLOCK_MHZ = 800  # thetis.toml


def frames_macs(report) -> int:
    """MACs of the network's matrix products per inference (all its frames)."""
    return sum(v["macs"] for v in report["macs_by_engine"].values())


def compile_and_run(model, calib, sample, work, mode, batch):
    out = work / f"{model.stem}-{mode}-{batch}"
    extra = ["--objective", "throughput", "--batch", str(batch)] if mode == "throughput" else []
    compiled = check(run_measured([find_tool("convc"), model, "--target", "thetis", "-o", out, "--calib", calib,
                                   *extra], timeout_s=1800), f"convc ({mode})")
    report = json.loads((out / "report.json").read_text())
    frames = batch if mode == "throughput" else 1
    with np.load(sample) as z:
        x = z["x"]
    x = np.concatenate([x] * -(-frames // len(x)))[:frames]
    np.save(work / "x.npy", x)
    check(run_measured([find_tool("convc"), "run", out, "-i", work / "x.npy", "-o", work / "y.npy",
                        "--counters", work / "c.json"], timeout_s=1800), f"convc run ({mode})")
    counters = json.loads((work / "c.json").read_text())["per_sample"]
    cycles, energy_uj = counters["total_cycles"], counters["energy_uj"]
    return {"frames": frames, "compile_s": round(compiled.wall_s, 2),
            "estimated_cycles": report["passes"]["estimated_cycles"], "measured_cycles": cycles,
            "estimate_error": round(report["passes"]["estimated_cycles"] / cycles - 1, 4),
            "fps": round(frames * CLOCK_MHZ * 1e6 / cycles, 1),
            "energy_uj_per_frame": round(energy_uj / frames, 2),
            # Useful MACs (the layers' own, report.json): a packed tile's zero blocks are not work.
            "tops_per_w": round(2 * frames_macs(report) / (energy_uj * 1e-6) / 1e12, 2),
            "l2_resident_bytes": report["passes"].get("l2_resident_bytes", 0)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    p.add_argument("--only", nargs="*", choices=MODELS, default=MODELS)
    p.add_argument("--batch", type=int, nargs="+", default=[8],
                   help="frames per inference in throughput mode, one row each (default 8)")
    p.add_argument("--json", type=Path, default=Path(__file__).with_suffix(".json"))
    args = p.parse_args(argv)
    models = ensure_models(args.models, args.only)
    results, errors = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        modes = [("latency", 1)] + [("throughput", b) for b in args.batch]
        for name in args.only:
            for mode, batch in modes:
                bench_util.attempt(results, f"{name} {mode} {batch}", lambda n=name, m=mode, b=batch: compile_and_run(
                    models / f"{n}.onnx", models / f"{n}.calib.npz", models / f"{n}.sample.npz", work, m, b),
                    errors, f"{name} {mode}")
    print("\nthetis, 800 MHz; throughput: --objective throughput --batch B")
    print(f"{'model':<12} {'mode':<14} {'est.cycles':>11} {'measured':>11} {'est/meas':>8} {'frames/s':>9} "
          f"{'Metis':>6} {'uJ/frame':>9} {'TOPS/W':>7}")
    for name in args.only:
        for mode, batch in modes:
            r = results.get(f"{name} {mode} {batch}")
            if r is None:
                continue
            label = mode if mode == "latency" else f"{mode} {batch}"
            print(f"{name:<12} {label:<14} {r['estimated_cycles']:>11} {r['measured_cycles']:>11} "
                  f"{fmt(1 + r['estimate_error'], '.3f'):>8} {r['fps']:>9.0f} {METIS_FPS[name]:>6} "
                  f"{r['energy_uj_per_frame']:>9.1f} {r['tops_per_w']:>7.2f}")
    print(f"Metis arrays: {METIS_TOPS_PER_W:g} TOPS/W; thetis arrays alone: 40 TOPS/W (0.05 pJ/MAC); the TOPS/W "
          f"column counts all the energy a frame books")
    args.json.write_text(json.dumps({"batch": args.batch, "metis_fps": METIS_FPS, "results": results,
                                     "errors": errors}, indent=2, sort_keys=True) + "\n")
    return bench_util.finish(errors)


if __name__ == "__main__":
    sys.exit(main())
