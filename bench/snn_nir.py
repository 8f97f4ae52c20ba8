#!/usr/bin/env python3
"""A NIR graph on kraken against the float simulation of the same discretised graph, for
several numbers of time steps: spike-count agreement, argmax agreement, spikes per layer, and
the cycles and energy the runtime measures on the activity.

    python bench/snn_nir.py [--graph dense_lif|conv_lif|cuba_lif] [--rasters 32] [--steps 4 8 16 32]

The graphs are tools/make_nir.py's: the dense LIF network (100 -> 64 -> 10) or the
convolutional one ([2, 8, 8] -> two 3x3 conv LIF layers -> sum pool -> 10), or the
current-based one (40 -> 32 -> 10 CubaLIF); the inputs are
seeded Bernoulli rasters at rate 0.2. Exit status 1 if any run is not bit-exact with the integer
reference.
"""
import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from convc.driver.nir_compile import compile_nir, random_rasters, verify_nir  # noqa: E402
from convc.targets import resolve  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", choices=["dense_lif", "conv_lif", "cuba_lif"], default="dense_lif")
    ap.add_argument("--rasters", type=int, default=32)
    ap.add_argument("--steps", type=int, nargs="+", default=[4, 8, 16, 32])
    args = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("make_nir", ROOT / "tools" / "make_nir.py")
    make_nir = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_nir)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        make_nir.main(["--out", tmp])
        print(f"{'T':>3} {'exact':>5} {'count agree':>11} {'|diff|':>6} {'argmax':>6}  spikes/layer              "
              f"{'cycles':>7} {'energy uJ':>9}")
        for steps in args.steps:
            result = compile_nir(Path(tmp) / f"{args.graph}.nir", resolve("kraken"), timesteps=steps)
            shape = list(result.compiled.stream.inputs[0].shape[1:])
            v = verify_nir(result, random_rasters(shape, steps, args.rasters, seed=7))
            failed += not v["integer_exact"]
            spikes = " ".join(f"{s:7.1f}" for s in v["spikes_per_layer"])
            print(f"{steps:>3} {str(v['integer_exact']):>5} {v['spike_count_agreement']:>11.3f} "
                  f"{v['spike_count_mean_abs_diff']:>6.2f} {v['argmax_agreement']:>6.3f}  {spikes:<24} "
                  f"{v['cycles']:>7} {v['energy_uj']:>9.4f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
