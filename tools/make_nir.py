#!/usr/bin/env python3
"""Build NIR graphs (PyPI `nir`) that convc's tests and benchmarks compile for kraken.

    python tools/make_nir.py --out build/nir

Writes DIR/dense_lif.nir: Input(100) → Linear → LIF(64) → Affine (zero bias) → LIF(10) →
Output, random weights from a fixed seed (tau 1 ms and 2 ms, threshold 1, reset to 0);
DIR/dense_li.nir: the same graph read out by leaky integrators (LI, tau 2 ms) instead of the
last LIF layer; and DIR/dense_lif.input.npy: 8 Bernoulli spike rasters [8, 16, 100] at rate 0.2. The weights are
drawn so that, at dt = 1e-4 s, both layers fire at moderate rates on such inputs (each input
spike adds dt/tau * W to a membrane whose threshold is 1). Not yet: a convolutional graph (the
SNE's convolutional layers are not supported yet).
"""
import argparse
from pathlib import Path

import nir
import numpy as np

SIZES = (100, 64, 10)
TIMESTEPS = 16


def dense_lif(seed: int = 0) -> nir.NIRGraph:
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0.3, 1.0, (SIZES[1], SIZES[0]))  # NIR weights are [out, in]
    w2 = rng.normal(0.4, 1.2, (SIZES[2], SIZES[1]))

    def lif(n, tau):
        return nir.LIF(tau=np.full(n, tau), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n),
                       v_reset=np.zeros(n))

    nodes = {"input": nir.Input(input_type=np.array([SIZES[0]])),
             "fc1": nir.Linear(weight=w1), "lif1": lif(SIZES[1], 1e-3),
             "fc2": nir.Affine(weight=w2, bias=np.zeros(SIZES[2])), "lif2": lif(SIZES[2], 2e-3),
             "output": nir.Output(output_type=np.array([SIZES[2]]))}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def dense_li(seed: int = 0) -> nir.NIRGraph:
    graph = dense_lif(seed)
    n = SIZES[2]
    graph.nodes["lif2"] = nir.LI(tau=np.full(n, 2e-3), r=np.ones(n), v_leak=np.zeros(n))
    return nir.NIRGraph(nodes=graph.nodes, edges=graph.edges)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/nir")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nir.write(str(out / "dense_lif.nir"), dense_lif())
    nir.write(str(out / "dense_li.nir"), dense_li())
    rasters = (np.random.default_rng(1).random((8, TIMESTEPS, SIZES[0])) < 0.2).astype(np.float32)
    np.save(out / "dense_lif.input.npy", rasters)
    print(f"make_nir: wrote {out}/dense_lif.nir, dense_li.nir and dense_lif.input.npy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
