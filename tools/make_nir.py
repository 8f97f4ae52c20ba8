#!/usr/bin/env python3
"""Build NIR graphs (PyPI `nir`) that convc's tests and benchmarks compile for kraken.

    python tools/make_nir.py --out build/nir

Writes DIR/dense_lif.nir: Input(100) → Linear → LIF(64) → Affine (zero bias) → LIF(10) →
Output, random weights from a fixed seed (tau 1 ms and 2 ms, threshold 1, reset to 0);
DIR/dense_li.nir: the same graph read out by leaky integrators (LI, tau 2 ms) instead of the
last LIF layer; DIR/dense_lif.input.npy: 8 Bernoulli spike rasters [8, 16, 100] at rate 0.2;
and DIR/conv_lif.nir: Input(2, 8, 8) → Conv2d 3x3 pad 1 → LIF(4, 8, 8) → Conv2d 3x3 stride 2
pad 1 → LIF(8, 4, 4) → SumPool2d 2x2 → Flatten → Linear → LIF(10) → Output, its LIF parameters
per channel (tau alternating 1 ms and 2 ms). The weights are drawn so that, at dt = 1e-4 s,
every layer fires at moderate rates on such inputs (each input spike adds dt/tau * W to a
membrane whose threshold is 1); and DIR/cuba_lif.nir: Input(40) → Linear → CubaLIF(32) → Linear →
CubaLIF(10) → Output (tau_syn 2 ms, tau_mem 1 ms), current-based neurons.
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


CONV_INPUT = (2, 8, 8)


def conv_lif(seed: int = 0) -> nir.NIRGraph:
    rng = np.random.default_rng(seed)

    def lif(shape):
        tau = np.where(np.arange(shape[0]) % 2, 2e-3, 1e-3).reshape(-1, *[1] * (len(shape) - 1)) * np.ones(shape)
        return nir.LIF(tau=tau, r=np.ones(shape), v_leak=np.zeros(shape), v_threshold=np.ones(shape),
                       v_reset=np.zeros(shape))

    def conv(c_out, c_in, stride, spatial):
        return nir.Conv2d(input_shape=spatial, weight=rng.normal(0.6, 1.0, (c_out, c_in, 3, 3)), stride=stride,
                          padding=1, dilation=1, groups=1, bias=np.zeros(c_out))

    nodes = {"input": nir.Input(input_type=np.array(CONV_INPUT)),
             "conv1": conv(4, 2, 1, (8, 8)), "lif1": lif((4, 8, 8)),
             "conv2": conv(8, 4, 2, (8, 8)), "lif2": lif((8, 4, 4)),
             "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
             "flat": nir.Flatten(input_type={"input": np.array([8, 2, 2])}, start_dim=0),
             "fc": nir.Linear(weight=rng.normal(0.3, 1.0, (SIZES[2], 32))), "lif3": lif((SIZES[2],)),
             "output": nir.Output(output_type=np.array([SIZES[2]]))}
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])), type_check=False)


def cuba_lif(seed: int = 0) -> nir.NIRGraph:
    rng = np.random.default_rng(seed)
    w1, w2 = rng.normal(0.8, 1.0, (32, 40)), rng.normal(1.5, 1.0, (SIZES[2], 32))

    def cuba(n):
        return nir.CubaLIF(tau_syn=np.full(n, 2e-3), tau_mem=np.full(n, 1e-3), r=np.ones(n), v_leak=np.zeros(n),
                           v_threshold=np.ones(n), v_reset=np.zeros(n))

    nodes = {"input": nir.Input(input_type=np.array([40])), "fc1": nir.Linear(weight=w1), "cuba1": cuba(32),
             "fc2": nir.Linear(weight=w2), "cuba2": cuba(SIZES[2]), "output": nir.Output(output_type=np.array([SIZES[2]]))}
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])), type_check=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/nir")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nir.write(str(out / "dense_lif.nir"), dense_lif())
    nir.write(str(out / "dense_li.nir"), dense_li())
    nir.write(str(out / "conv_lif.nir"), conv_lif())
    nir.write(str(out / "cuba_lif.nir"), cuba_lif())
    rasters = (np.random.default_rng(1).random((8, TIMESTEPS, SIZES[0])) < 0.2).astype(np.float32)
    np.save(out / "dense_lif.input.npy", rasters)
    print(f"make_nir: wrote {out}/dense_lif.nir, dense_li.nir, dense_lif.input.npy, conv_lif.nir and cuba_lif.nir")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
