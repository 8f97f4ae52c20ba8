"""`convc run` and `convc dump`: thin command-line front ends over host.py and stream.py.

User mistakes (missing files, wrong shapes, corrupt or invalid streams, bad target files) print
one `error: ...` line on stderr and return 1; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from .host import BATCH, BATCH_BYTES, TENSOR_BYTES, InputError, Program, frames_per_run
from .parallel import cpus
from .trace import write_trace
from .stream import Stream, StreamError
from .target import TargetError

RUN_EPILOG = """\
input conventions (S = the shape of a model input, e.g. [1,3,32,32]):
  x.npy   samples for the model's single input, stacked along axis 0:
          [N, *S[1:]] when S starts with the batch dimension 1 (so an array of exactly
          shape S is one sample), or [N, *S] (one extra leading axis). A stream compiled
          with --batch B (S = [B, ...]) takes [N, *S[1:]] with N a multiple of B and
          runs B frames at a time; --counters and the cycles printed are per run.
  x.npz   one such array per input, keyed by the input's name; every input must hold
          the same N. (A single-input model also accepts an .npz with one array.)
output:
  y.npy   for a single-output model: [N, *O[1:]] if the output shape O starts with 1,
          else [N, *O]; dequantized float32.
  y.npz   one such array per output name (required if the model has several outputs).
"""


class UserError(Exception):
    pass


def _load_inputs(path: Path, program: Program) -> dict[str, np.ndarray]:
    names = [t.name for t in program.inputs]
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                arrays = {k: loaded[k] for k in loaded.files}
        else:
            arrays = None
    except (ValueError, EOFError, zipfile.BadZipFile) as e:
        raise UserError(f"{path}: not a readable .npy/.npz file ({e})") from None
    if arrays is not None:
        if len(names) == 1 and len(arrays) == 1:
            return {names[0]: next(iter(arrays.values()))}
        missing = [n for n in names if n not in arrays]
        if missing:
            raise UserError(f"{path} lacks inputs {missing} (it has {sorted(arrays)})")
        return {n: arrays[n] for n in names}
    if len(names) != 1:
        raise UserError(f"the model has {len(names)} inputs {names}; pass them as an .npz")
    return {names[0]: loaded}


def _save_outputs(path: Path, program: Program, outputs: dict[str, np.ndarray]) -> None:
    if path.suffix == ".npz":
        np.savez(path, **outputs)
    elif len(outputs) == 1:
        np.save(path, next(iter(outputs.values())))
    else:
        raise UserError(f"the model has {len(outputs)} outputs {sorted(outputs)}; "
                        f"use -o NAME.npz")


def _user_errors(main):
    """Turn the expected failure modes into `error: <one line>` and exit code 1."""
    def wrapped(argv: list[str]) -> int:
        try:
            return main(argv)
        except OSError as e:
            msg = f"{e.filename}: {e.strerror}" if e.filename and e.strerror else str(e)
        except (StreamError, TargetError, InputError, UserError) as e:
            msg = str(e)
        print(f"error: {msg.splitlines()[0] if msg else 'unknown error'}", file=sys.stderr)
        return 1
    return wrapped


def parse_analog_noise(text: str) -> tuple[float, int]:
    """SIGMA[,SEED] -> (sigma, seed); argparse turns the ValueError into a usage error."""
    parts = text.split(",")
    try:
        if len(parts) > 2:
            raise ValueError
        sigma, seed = float(parts[0]), int(parts[1]) if len(parts) == 2 else 0
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected SIGMA[,SEED] (e.g. 3 or 3,7), got {text!r}") from None
    if not (sigma >= 0 and np.isfinite(sigma)) or seed < 0:
        raise argparse.ArgumentTypeError(f"SIGMA must be >= 0 and SEED >= 0, got {text!r}")
    return sigma, seed


@_user_errors
def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="convc run", epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a compiled program (OUT_DIR/stream.bin on OUT_DIR/target.toml) on the "
                    "bit-exact reference runtime, a batch of samples at a time.")
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path,
                        help="directory written by `convc ... -o OUT_DIR`")
    parser.add_argument("--input", "-i", required=True, type=Path, metavar="X",
                        help="float inputs, .npy or .npz (see below)")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="Y",
                        help="where to write the float outputs, .npy or .npz")
    parser.add_argument("--counters", type=Path, metavar="JSON",
                        help="write cycle/MAC/byte/energy counters of one sample as JSON "
                             "(the cost model does not depend on the data)")
    parser.add_argument("--analog-noise", metavar="SIGMA[,SEED]", type=parse_analog_noise,
                        help="add Gaussian noise of SIGMA ADC steps to every analog column sum (AIMC_MVM), "
                             "seeded by SEED (default 0) and the sample's index: reproducible per run")
    parser.add_argument("--batch", type=int, metavar="B",
                        help=f"run up to B samples at once in lock step: the same outputs and counters as one "
                             f"at a time (--batch 1), faster; each sample in flight keeps its own copy of the "
                             f"memory pages the stream touches (default: {BATCH}, fewer for streams with more "
                             f"than {BATCH_BYTES >> 20 >> 4} MB of DATA or activations above "
                             f"{TENSOR_BYTES / BATCH / 1024:.0f} KB: a batch runs fastest while it stays in the caches)")
    parser.add_argument("--trace", type=Path, metavar="TRACE.json",
                        help="write the first sample's timeline in the Chrome trace-event format (open it in "
                             "https://ui.perfetto.dev or chrome://tracing): per core, DMA, programming, compute "
                             "and waits as tracks, spans named after their layers, DMA bytes in flight")
    parser.add_argument("--jobs", "-j", type=int, default=cpus(), metavar="N",
                        help=f"split more than a batch of samples over N processes (default: the {cpus()} "
                             f"CPUs this process may use); the results do not depend on N")
    args = parser.parse_args(argv)
    if args.batch is not None and args.batch < 1:
        parser.error(f"--batch must be at least 1, got {args.batch}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.output.suffix not in (".npy", ".npz"):  # refused before running anything
        raise UserError(f"-o {args.output}: give a .npy (one output) or .npz path")

    program = Program.load(args.out_dir, args.analog_noise, args.batch)
    inputs = _load_inputs(args.input, program)
    start = time.perf_counter()
    spans = [] if args.trace else None
    outputs, counters = program.run_batch(inputs, args.jobs, spans)
    wall = time.perf_counter() - start
    _save_outputs(args.output, program, outputs)
    n = len(counters)
    if args.counters:
        per_sample = counters[0].to_dict() if counters else {}
        args.counters.write_text(json.dumps({"samples": n, "per_sample": per_sample},
                                            indent=2) + "\n")
    if args.trace:
        write_trace(args.trace, program.stream, program.target, spans)
    cycles = counters[0].total_cycles if counters else 0
    micros = cycles / program.target.clock_mhz
    frames = frames_per_run(program.stream)
    if frames > 1:
        fps = frames * program.target.clock_mhz * 1e6 / cycles if cycles else 0.0
        print(f"{n * frames} frames in {n} runs of {frames}, {cycles} cycles/run ({micros:.1f} us at "
              f"{program.target.clock_mhz:g} MHz, {fps:.0f} frames/s; measured on the stream), {wall:.2f} s wall")
        return 0
    print(f"{n} samples, {cycles} cycles/sample ({micros:.1f} us at "
          f"{program.target.clock_mhz:g} MHz; measured on the stream, report.txt's figure is the compiler's "
          f"estimate), {wall:.2f} s wall")
    return 0


@_user_errors
def dump_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="convc dump",
                                     description="Print a readable dump of a command stream.")
    parser.add_argument("stream", type=Path, metavar="STREAM", help="a stream.bin file")
    args = parser.parse_args(argv)
    sys.stdout.write(Stream.decode(args.stream.read_bytes(), str(args.stream)).dump_text())
    return 0


if __name__ == "__main__":  # python -m convc.runtime.cli {run,dump} ...
    commands = {"run": run_main, "dump": dump_main}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: python -m convc.runtime.cli {run,dump} ...", file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]](sys.argv[2:]))
