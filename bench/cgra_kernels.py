#!/usr/bin/env python3
"""CGRA benchmark-style kernels on convolve's two virtual cores: ResMII, RecMII, MII and the
II the modulo scheduler achieves, the schedule length, the registers it needs (MaxLive), the scheduling
time, and whether the runtime's execution of the configuration equals the kernel's definition
on random data.

    python bench/cgra_kernels.py [--target convolve] [--trips 256]

Kernels (each one loop body; dfg.Builder): gemm (a row of A times a column of B, a
multiply-accumulate recurrence), fir8 (8 taps), conv3x3 (one output pixel per iteration over a
row-major image), relu, rowstats (a row's sum and max: two recurrences, histogram-like
reductions), softmax_exp (the exponential-and-sum pass of a softmax: a table lookup and an
accumulating recurrence); then the kernels the compiler generates for a softmax and a layer
norm (engines/cgra/row_kernels.py: 3 and 4 loop nests, 4 rows of trips/4 codes, with a ViT's
kind of parameters), each step fed the earlier steps' results. The kernels the compiler
generates for a model's layers are in the report of a compile (`CGRA kernels`). Exit status:
0, or 1 if a runtime result differs from the definition.
"""
import argparse
import sys
import time
import tomllib
from types import SimpleNamespace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from convc.dialects.cgra_dfg import Builder, evaluate  # noqa: E402
from convc.engines.cgra.encode import config_words  # noqa: E402
from convc.engines.cgra.scheduler import schedule  # noqa: E402
from convc.engines.cgra.row_kernels import layernorm_chain, softmax_chain  # noqa: E402
from convc.engines.cgra.steps import run_steps  # noqa: E402
from convc.errors import TargetFitError  # noqa: E402
from convc.passes.layer_norm import integer_params  # noqa: E402
from convc.passes.softmax import exp_table  # noqa: E402
from convc.quant_math import multiplier  # noqa: E402
from convc.runtime.target import parse_target  # noqa: E402
from convc.runtime.units.cgra import run_kernel  # noqa: E402
from convc.runtime.units.cgra_config import decode, lifetimes, max_live  # noqa: E402
from convc.targets import resolve  # noqa: E402


def gemm(trips):
    b = Builder()
    a, w = b.load(0, outer_stride=trips), b.load(1, stride=4, width=1)
    acc = b.recur(0)
    s = b.op("add", acc, b.op("mul", a, w))
    b.close(acc, s)
    b.store(s, 2, width=4, stride=0, outer_stride=1, last=True)
    return b.finish("gemm", 4, trips, ["A", "B", "C"]), [4 * trips, 4 * trips], 16


def fir8(trips):
    b = Builder()
    taps = [3, -1, 4, 1, -5, 9, 2, -6]
    terms = [b.op("mul", b.load(0, offset=k), imm=h) for k, h in enumerate(taps)]
    while len(terms) > 1:  # a balanced adder tree
        terms = [b.op("add", terms[i], terms[i + 1]) for i in range(0, len(terms), 2)]
    b.store(terms[0], 1, width=4)
    return b.finish("fir8", 1, trips, ["x", "y"]), [trips + 8], 4 * trips


def conv3x3(trips, width=32):
    b = Builder()
    weights = [1, 2, 1, 0, -3, 0, -1, 2, -1]
    terms = [b.op("mul", b.load(0, offset=dy * width + dx), imm=weights[3 * dy + dx])
             for dy in range(3) for dx in range(3)]
    acc = terms[0]
    for t in terms[1:]:
        acc = b.op("add", acc, t)
    b.store(acc, 1, width=4)
    return b.finish("conv3x3", 1, trips, ["image", "out"]), [trips + 2 * width + 3], 4 * trips


def relu(trips):
    b = Builder()
    b.store(b.op("max", b.load(0), imm=0), 1)
    return b.finish("relu", 1, trips, ["x", "y"]), [trips], trips


def rowstats(trips):
    b = Builder()
    x = b.load(0, outer_stride=trips)
    total, peak = b.recur(0), b.recur(-128)
    s, m = b.op("add", total, x), b.op("max", peak, x)
    b.close(total, s)
    b.close(peak, m)
    b.store(s, 1, width=4, stride=0, outer_stride=2, last=True)
    b.store(m, 1, width=4, stride=0, outer_stride=2, offset=1, last=True)
    return b.finish("rowstats", 4, trips, ["x", "stats"]), [4 * trips], 32


def softmax_exp(trips):
    b = Builder()
    x = b.load(0, outer_stride=trips)
    row_max = b.load(1, stride=0, outer_stride=1)
    e = b.gather(b.op("sub", row_max, x), port=2, width=4)
    acc = b.recur(0)
    s = b.op("add", acc, e)
    b.close(acc, s)
    b.store(s, 3, width=4, stride=0, outer_stride=1, last=True)
    return b.finish("softmax_exp", 4, trips, ["x", "max", "exp_table", "sums"]), [4 * trips, 4, 1024], 16


KERNELS = [gemm, fir8, conv3x3, relu, rowstats, softmax_exp]


def generated(trips, rng):
    """(kernel, input port bytes, output bytes) for each step of a softmax and a layer norm
    chain over 4 rows of trips // 4 codes; a step's inputs are its predecessors' results."""
    rows, n = 4, max(2, trips // 4)
    x = rng.integers(-128, 128, (rows, n)).astype(np.int8)
    gamma, beta = rng.uniform(0.5, 2.0, n), rng.uniform(-0.5, 0.5, n)
    e, gains, offsets, k, m = integer_params(SimpleNamespace(gamma=gamma, beta=beta, eps=1e-5), 0.05, 0.03)
    chains = [(softmax_chain(rows, n, exp_table(0.08), *multiplier(256.0), (-128, -128, 127)), [x, exp_table(0.08)]),
              (layernorm_chain(rows, n, 0, e, gains, offsets, k, m, (0, -128, 127)), [x, gains, offsets])]
    return [(step.kernel, raw, out_bytes) for steps, operands in chains
            for step, raw, out_bytes, _ in run_steps(steps, operands)]


def inputs_for(name, sizes, rng):
    arrays = []
    for k, n in enumerate(sizes):
        if name == "softmax_exp" and k == 1:  # each row's max, so max - x indexes the table
            arrays.append(np.full(4, 127, np.int8).view(np.uint8))
        elif name == "softmax_exp" and k == 2:
            arrays.append(np.arange(256, dtype="<i4")[::-1].copy().view(np.uint8))
        else:
            arrays.append(rng.integers(-128, 128, n).astype(np.int8).view(np.uint8))
    return arrays


class Memory:
    def __init__(self):
        self.bytes = np.zeros(1 << 20, np.uint8)

    def read(self, addr, n):
        return self.bytes[addr:addr + n].copy()

    def write(self, addr, values):
        v = np.ascontiguousarray(values).view(np.uint8).reshape(-1)
        self.bytes[addr:addr + v.size] = v


def run_on_runtime(kernel, sched, spec, inputs, out_bytes):
    mem, ports = Memory(), []
    for k, data in enumerate(inputs):
        mem.write(k << 16, data)
        ports.append((k << 16, data.size, False))
    out = len(inputs) << 16
    ports.append((out, out_bytes, True))
    ports += [(0, 0, False)] * (4 - len(ports))
    run_kernel(decode(config_words(kernel, sched), spec, sched.ii, sched.length), mem, ports,
               kernel.outer, kernel.inner)
    return mem.read(out, out_bytes)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="convolve")
    ap.add_argument("--trips", type=int, default=256)
    args = ap.parse_args(argv)
    target = parse_target(tomllib.loads(Path(resolve(args.target)).read_text()))
    cores = [(g.name, g.engines["cgra"]) for g in target.groups if "cgra" in g.engines]
    rng = np.random.default_rng(0)
    print(f"{'kernel':<12} {'core':<12} {'ops':>4} {'ResMII':>6} {'RecMII':>6} {'MII':>4} {'II':>4} "
          f"{'length':>6} {'regs':>5} {'sched ms':>8}  exact")
    failed = at_mii = total = 0
    cases = []
    for make in KERNELS:
        kernel, sizes, out_bytes = make(args.trips)
        cases.append((kernel, inputs_for(kernel.name, sizes, rng), out_bytes))
    for kernel, inputs, out_bytes in cases + generated(args.trips, rng):
        expected = evaluate(kernel, inputs, [out_bytes])[0]
        for name, spec in cores:
            start = time.perf_counter()
            try:
                sched = schedule(kernel, spec)
            except TargetFitError as e:
                print(f"{kernel.name:<12} {name:<12} {len(kernel.nodes):>4}  does not fit: {e}")
                continue
            ms = 1000 * (time.perf_counter() - start)
            exact = np.array_equal(run_on_runtime(kernel, sched, spec, inputs, out_bytes), expected)
            config = decode(config_words(kernel, sched), spec, sched.ii, sched.length)
            failed += not exact
            total += 1
            at_mii += sched.ii == sched.mii
            print(f"{kernel.name:<12} {name:<12} {len(kernel.nodes):>4} {sched.res_mii:>6} {sched.rec_mii:>6} "
                  f"{sched.mii:>4} {sched.ii:>4} {sched.length:>6} {max_live(sched.ii, lifetimes(config)):>5} {ms:>8.1f}  {exact}")
    print(f"\nII = MII on {at_mii} of {total} schedules")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
