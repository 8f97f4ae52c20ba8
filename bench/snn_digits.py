#!/usr/bin/env python3
"""Digits test-split accuracy of ANN-to-SNN conversion on kraken, against T: FP32
onnxruntime, convc INT8 on thetis, digits_cnn on kraken as an ANN (the cluster runs every
layer), kraken with the hidden dense layer (/6/Gemm, 512 -> 64, ReLU) converted to
integrate-and-fire neurons on the SNE (`place "/6/Gemm" on snn`), and kraken with the two 3x3
convolutions converted as well (`place "/0/Conv"`, `"/2/Conv"`: conv spikes pass straight to
the second conv), at T = 4, 8, 16, 32, with the spikes, cycles and energy per inference the
runtime measures on the activity; then both again with the first converted layer's input
rate-coded (`--spike-encoding rate`: seeded Bernoulli spike trains) instead of direct currents.

    python bench/snn_digits.py [--models build/models] [--steps 4 8 16 32] [--samples 450]

Every convc row compiles in process (compile_model, calibrated on digits_cnn.calib.npz) and
runs the test inputs on the reference runtime (Program.run_batch). The max pool and the output
layer stay on the cluster (a max pool of spikes and a layer without ReLU do not convert;
docs/snn.md).
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_util import DEFAULT_MODELS, ensure_models, ort_logits  # noqa: E402
from convc.driver.pipeline import compile_model  # noqa: E402
from convc.runtime import Program  # noqa: E402
from convc.targets import resolve  # noqa: E402

LAYER = "/6/Gemm"
CONVS = ("/0/Conv", "/2/Conv")


def run(models, target, x, labels, annotations=None, timesteps=None, encoding=None):
    compiled = compile_model(models / "digits_cnn.onnx", resolve(target), calib=models / "digits_cnn.calib.npz",
                             annotations=annotations, timesteps=timesteps, spike_encoding=encoding, warn=lambda m: None)
    program = Program(compiled.stream, compiled.target)
    outputs, counters = program.run_batch({program.inputs[0].name: x})
    logits = next(iter(outputs.values())).reshape(len(x), -1)
    spikes = [sum(a.get("spikes", 0) for a in c.activity) for c in counters]
    return {"acc": float((logits.argmax(1) == labels).mean()), "spikes": float(np.mean(spikes)),
            "cycles": float(np.mean([c.total_cycles for c in counters])),
            "energy": float(np.mean([c.energy_uj for c in counters]))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--steps", type=int, nargs="+", default=[4, 8, 16, 32])
    ap.add_argument("--samples", type=int, default=450, help="test samples to run (default: all 450)")
    args = ap.parse_args(argv)
    models = ensure_models(args.models, ["digits_cnn"])
    with np.load(models / "digits_cnn.test.npz") as z:
        x, labels = z["x"][:args.samples], z["y"][:args.samples]
    fp32 = float((ort_logits(models / "digits_cnn.onnx", x).argmax(1) == labels).mean())
    print(f"digits test split, {len(x)} samples; converted layer {LAYER} (the cluster runs the rest)")
    print(f"{'configuration':<34} {'accuracy':>8} {'spikes/inf':>10} {'cycles/inf':>10} {'energy uJ':>9}")
    print(f"{'FP32 onnxruntime':<34} {fp32:>8.3f}")

    def row(name, r):
        print(f"{name:<34} {r['acc']:>8.3f} {r['spikes']:>10.1f} {r['cycles']:>10.0f} {r['energy']:>9.3f}")

    row("INT8 convc thetis", run(models, "thetis", x, labels))
    row("INT8 convc kraken (ANN, cluster)", run(models, "kraken", x, labels))
    with tempfile.TemporaryDirectory() as tmp:
        ann = Path(tmp) / "snn.cva"
        # the convolutions pinned to the cluster: at small T the cost model would convert one
        ann.write_text(f'version 1\nplace "{LAYER}" on snn\n' + "".join(f'place "{n}" on host\n' for n in CONVS))
        for steps in args.steps:
            row(f"kraken, {LAYER} on the SNE, T={steps}", run(models, "kraken", x, labels, ann, steps))
        convs = Path(tmp) / "convs.cva"
        convs.write_text("version 1\n" + "".join(f'place "{n}" on snn\n' for n in (*CONVS, LAYER)))
        for steps in args.steps:
            row(f"kraken, convs + {LAYER} on SNE, T={steps}", run(models, "kraken", x, labels, convs, steps))
        for name, rules in ((LAYER, ann), (f"convs + {LAYER}", convs)):
            for steps in args.steps:
                row(f"{name}, rate-coded, T={steps}", run(models, "kraken", x, labels, rules, steps, ("rate", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
