"""The `convc` command line.

    convc MODEL.onnx --target thetis -o OUT [--calib samples.npz] [--verify] [--dump-after PASS]
    convc NET.nir --target kraken -o OUT [--timesteps T] [--dt S] [--verify]
    convc run OUT --input x.npy -o y.npy
    convc dump OUT/stream.bin
    convc report OUT [--trace T.json]
    convc explore SWEEP.toml -o DIR [--jobs N] [--ray ADDRESS]
    convc passes

User mistakes print one `error: ...` line and exit 1; they never show a traceback.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from convc.runtime.cli import parse_analog_noise

DESCRIPTION = """\
Compile an ONNX model (or a NIR graph of spiking neurons, NET.nir) for a heterogeneous edge-AI
SoC and emit a command stream.

Writes to OUT: stream.bin (the binary command stream, see docs/command-stream.md),
stream.txt (readable dump), target.toml (the target it was compiled for), report.json,
report.txt and report.html (per layer: engine, core, tiles, precision, addresses, estimated
cycles; the page adds, after --verify, a timeline per core, memory occupancy and utilisation),
with --verify trace.json (the first sample's timeline, Chrome trace-event format), and
ir/NN-PASS.mlir for every pass named by --dump-after (or all with --dump-all).

Other commands:
  convc run OUT --input x.npy -o y.npy   execute the stream on the reference runtime (a batch)
  convc dump OUT/stream.bin              print a stream in readable form
  convc report OUT [--trace T.json]      write OUT/report.html again, with the timeline of a run
  convc explore SWEEP.toml -o DIR        compile models on many variants of a target: table, Pareto front, plots
  convc passes                           list the pipeline's passes in order
"""


def version_text() -> str:
    """convc's version, the command stream format it writes and the MLIR stack under it."""
    from importlib.metadata import PackageNotFoundError, version

    from convc.runtime.stream import VERSION_MAJOR, VERSION_MINOR

    def of(package):
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"
    return (f"convc {of('convc')} (command stream format {VERSION_MAJOR}.{VERSION_MINOR}; "
            f"torch-mlir {of('torch-mlir')}, onnx {of('onnx')}, onnxruntime {of('onnxruntime')})")


def _compile_parser():
    p = argparse.ArgumentParser(prog="convc", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="the ONNX model to compile, or a NIR graph (.nir) for a target with a spiking "
                                 "engine (docs/snn.md)")
    p.add_argument("--version", action="version", version=version_text())
    p.add_argument("--target", "-t", default="thetis",
                   help="a shipped target name (default: thetis) or the path of a target .toml")
    p.add_argument("-o", "--output", default="out", help="output directory (default: out)")
    p.add_argument("--calib", metavar="SAMPLES.npz",
                   help="calibration inputs: one array per model input, samples stacked on the batch axis; "
                        "without it convc warns and calibrates on synthetic inputs")
    p.add_argument("--verify", action="store_true",
                   help="run the stream on the reference runtime and compare with the integer reference "
                        "(bit-exact) and onnxruntime on the float model; results go to report.json")
    p.add_argument("--verify-inputs", metavar="X.npz",
                   help="inputs for --verify (implies it; default: up to 16 calibration samples)")
    p.add_argument("--analog-noise", metavar="SIGMA[,SEED]", type=parse_analog_noise,
                   help="with --verify (implied): also run the stream with Gaussian noise of SIGMA ADC steps on "
                        "every analog column sum, for 5 seeds from SEED (default 0); report.json gets the cosine "
                        "and top-1 agreement per seed, their mean and spread (the exact run stays bit-exact)")
    p.add_argument("--dump-after", action="append", default=[], metavar="PASS",
                   help="write the MLIR after PASS to OUT/ir/ (repeatable; written also when a later pass "
                        "fails); see `convc passes`")
    p.add_argument("--dump-all", action="store_true", help="write the MLIR after every pass")
    p.add_argument("--compile-from", nargs=2, metavar=("PASS", "FILE"),
                   help="continue from the IR in FILE (a --dump-after dump of PASS, perhaps edited by hand) "
                        "with the passes after PASS; MODEL still gives the inputs and outputs")
    m = p.add_argument_group("mapping objective (docs/throughput.md)")
    m.add_argument("--objective", choices=("latency", "throughput"),
                   help="latency (the default): each frame as fast as possible, batch 1; throughput: frames per "
                        "second over a batch of --batch frames, split across the cores, weights programmed once "
                        "per batch and kept in L2 when they fit")
    m.add_argument("--batch", type=int, metavar="B",
                   help="frames per inference, stacked on the inputs' batch axis (default 8 with --objective "
                        "throughput, else 1); the model must have batch 1; `convc run` then takes N*B frames")
    s = p.add_argument_group("spiking networks (NET.nir; docs/snn.md)")
    s.add_argument("--timesteps", type=int, metavar="T",
                   help="time steps per inference (default 16) of a NIR graph — its inputs are [T, *input shape] "
                        "rasters, `convc run` takes [N, T, *input shape] and writes [N, T, n_out] spike trains — and of "
                        "the ReLU layers "
                        "of an ONNX model converted to spiking layers (`place SEL on snn`)")
    s.add_argument("--spike-encoding", type=_spike_encoding, metavar="direct|rate[,SEED]",
                   help="how a converted layer fed by int8 codes gets them: as direct currents, the same at every "
                        "step (default), or as seeded Bernoulli spike trains of rate |current|/128 (SEED default 0)")
    s.add_argument("--output-state", action="store_true",
                   help="a NIR graph's program gets a second output, `state`: the last layer's membrane potential "
                        "[T, n_out] after each step, in NIR's units (the SNE records spikes or the membrane, so the "
                        "last layer runs twice; --verify compares it with the float simulation)")
    s.add_argument("--dt", type=float, default=1e-4, metavar="S",
                   help="the forward-Euler step NIR's continuous-time neurons are discretised with (default 1e-4 s)")
    g = p.add_argument_group("gray box (docs/annotations.md)")
    g.add_argument("--annotations", metavar="MAP.cva",
                   help="an annotation file of directives, constraints and opportunities")
    g.add_argument("--relax", action="store_true",
                   help="a directive the target cannot honour becomes a warning and the compiler's choice is kept")
    g.add_argument("--save-annotations", metavar="MAP.cva",
                   help="write a starter annotation file listing every layer with the choices made")
    g.add_argument("--pass-plugin", action="append", default=[], metavar="MY_PASS.py",
                   help="load a Python file defining PASS and AFTER: an MLIR pass run after the named "
                        "built-in pass (repeatable; see examples/plugins/)")
    return p


def compile_main(argv) -> int:
    from convc.annotations import constraints
    from convc.driver import report as report_mod
    from convc.driver.pipeline import compile_model, input_shapes, load_calibration
    from convc.errors import ConvcError
    from convc.targets import resolve

    args = _compile_parser().parse_args(argv)
    target_path = resolve(args.target)
    out = Path(args.output)
    if args.model.endswith(".nir"):
        return nir_main(args, target_path, out)
    if args.output_state:
        raise ConvcError("--output-state applies to a NIR graph (NET.nir), not to an ONNX model")
    try:
        compiled = compile_model(args.model, target_path, calib=args.calib, dump_after=args.dump_after,
                                 dump_all=args.dump_all, warn=lambda m: print(f"warning: {m}", file=sys.stderr),
                                 annotations=args.annotations, relax=args.relax, plugins=args.pass_plugin,
                                 restart=args.compile_from, timesteps=args.timesteps,
                                 spike_encoding=args.spike_encoding, objective=args.objective, batch=args.batch)
    except ConvcError as exc:
        if getattr(exc, "dumps", None):  # a pass failed: the IR asked for before it is what to look at
            out.mkdir(parents=True, exist_ok=True)
            _write_dumps(exc, out)
        raise
    annotations = compiled.ctx.annotations
    out.mkdir(parents=True, exist_ok=True)

    verify_result, trace = None, None
    if args.verify or args.verify_inputs or args.analog_noise or (annotations is not None
                                                                 and annotations.of_kind("max_error")):
        from convc.driver.verify import verify
        shapes = input_shapes(compiled.onnx_model)
        samples = (load_calibration(args.verify_inputs, shapes) if args.verify_inputs
                   else compiled.ctx.calibration[:16])
        spans = []
        verify_result = verify(compiled, args.model, samples, args.analog_noise, spans=spans)
        from convc.runtime.trace import chrome_trace
        trace = chrome_trace(compiled.stream, compiled.target, spans)
    rep = report_mod.build_report(compiled, args.model, verify_result)
    try:
        rep["constraints_checked"] = constraints.check(compiled, annotations, verify_result)
    except constraints.ConstraintViolation as exc:
        rep["constraint_violation"] = str(exc)
        report_mod.write(rep, out, compiled.target, trace)  # the report shows the figures behind the violation
        raise

    _write_outputs(compiled, rep, target_path, out, trace)
    _write_dumps(compiled, out)
    if args.save_annotations:
        from convc.annotations.starter import starter_text
        Path(args.save_annotations).write_text(starter_text(compiled, args.model))

    print(f"convc: {args.model} -> {out}/stream.bin ({rep['stream']['bytes']} bytes, "
          f"{len(rep['layers'])} layers, {rep['compile_seconds']} s)")
    if verify_result:
        v = verify_result
        batch = compiled.stream.meta.get("batch", 1)
        frames = f" of {batch} frames" if batch > 1 else ""
        top1 = (f"top1_agreement={v['top1_agreement']:.3f}" if v["top1_agreement"] is not None
                else "top1_agreement=n/a (the output is not [batch, classes] scores)")
        print(f"verify: integer_exact={v['integer_exact']} cosine={v['cosine']:.5f} "
              f"max_abs_error={v['max_abs_error']:.4g} {top1} ({v['samples']} samples{frames})")
        if "analog_noise" in v:
            n = v["analog_noise"]
            agree = (f", top1_agreement {n['top1_agreement_mean']:.3f} +- {n['top1_agreement_std']:.3f}"
                     if n["top1_agreement_mean"] is not None else "")
            print(f"verify under analog noise sigma={n['sigma']:g} ({len(n['seeds'])} seeds): cosine "
                  f"{n['cosine_mean']:.5f} +- {n['cosine_std']:.5f}{agree}")
        if not v["integer_exact"]:
            print("error: the runtime's integers differ from the integer reference", file=sys.stderr)
            return 3
    return 0


def _spike_encoding(text: str) -> tuple[str, int]:
    """direct|rate[,SEED] -> (kind, seed); argparse turns the error into a usage error."""
    import argparse
    kind, _, seed = text.partition(",")
    if kind not in ("direct", "rate") or (seed and not seed.isdigit()) or (seed and kind == "direct"):
        raise argparse.ArgumentTypeError(f"expected direct, rate or rate,SEED (e.g. rate,7), got {text!r}")
    return kind, int(seed or 0) % (1 << 32)


def nir_main(args, target_path, out) -> int:
    from convc.driver import report as report_mod
    from convc.driver.nir_compile import DEFAULT_TIMESTEPS, compile_nir, random_rasters, verify_nir
    from convc.errors import ConvcError

    if args.timesteps is None:
        args.timesteps = DEFAULT_TIMESTEPS

    unsupported = [flag for flag, given in (("--calib", args.calib), ("--analog-noise", args.analog_noise),
                                            ("--compile-from", args.compile_from), ("--dump-after", args.dump_after),
                                            ("--dump-all", args.dump_all), ("--pass-plugin", args.pass_plugin),
                                            ("--save-annotations", args.save_annotations)) if given]
    if unsupported:
        raise ConvcError(f"{unsupported[0]} does not apply to a NIR graph yet")
    result = compile_nir(args.model, target_path, args.timesteps, args.dt, annotations=args.annotations,
                         warn=lambda m: print(f"warning: {m}", file=sys.stderr), output_state=args.output_state)
    compiled = result.compiled
    verify_result = None
    if args.verify or args.verify_inputs:
        shape = list(compiled.stream.inputs[0].shape[1:])
        rasters = (_load_rasters(args.verify_inputs, args.timesteps, shape) if args.verify_inputs
                   else random_rasters(shape, args.timesteps))
        verify_result = verify_nir(result, rasters)
    out.mkdir(parents=True, exist_ok=True)
    rep = report_mod.build_report(compiled, args.model, verify_result)
    _write_outputs(compiled, rep, target_path, out)
    print(f"convc: {args.model} -> {out}/stream.bin ({rep['stream']['bytes']} bytes, "
          f"{len(rep['layers'])} layers, {args.timesteps} time steps, {rep['compile_seconds']} s)")
    if verify_result:
        v = verify_result
        versus = (f"membrane_cosine={v['membrane_cosine']:.5f}" if v["readout"] == "membrane" else
                  f"spike_count_agreement={v['spike_count_agreement']:.3f} "
                  f"mean_abs_count_diff={v['spike_count_mean_abs_diff']:.3f}")
        state = f" state_cosine={v['state_cosine']:.3f}" if "state_cosine" in v else ""
        print(f"verify: integer_exact={v['integer_exact']} {versus} argmax_agreement={v['argmax_agreement']:.3f}"
              f"{state} ({v['samples']} rasters)")
        if not v["integer_exact"]:
            print("error: the runtime's integers differ from the integer reference", file=sys.stderr)
            return 3
    return 0


def _load_rasters(path, timesteps: int, shape: list[int]):
    """--verify-inputs for a spiking network: an .npy (or one-array .npz) of [N, T, *shape] rasters."""
    import numpy as np
    from convc.errors import ConvcError
    try:
        data = np.load(path)
        array = data[list(data.keys())[0]] if hasattr(data, "keys") else data
    except (OSError, ValueError) as exc:
        raise ConvcError(f"--verify-inputs: cannot read {path}: {exc}") from None
    if list(array.shape[1:]) != [timesteps, *shape]:
        raise ConvcError(f"--verify-inputs: {path} holds shape {list(array.shape)}; a spiking network takes "
                         f"{['N', timesteps, *shape]} rasters (--timesteps {timesteps})".replace("'", ""))
    if not np.array_equal(array, np.rint(array)) or np.abs(array).max(initial=0) > 127:
        raise ConvcError(f"--verify-inputs: {path}: raster values must be integers in [-128, 127] (spikes 0/1)")
    return array.astype(np.int8)


def _write_outputs(compiled, rep: dict, target_path, out, trace: dict | None = None) -> None:
    """out/stream.bin, stream.txt, target.toml (the stream travels with its target), the
    report and, after --verify, trace.json (the first verify sample's timeline)."""
    from convc.driver import report as report_mod
    (out / "stream.bin").write_bytes(compiled.stream.encode())
    (out / "stream.txt").write_text(compiled.stream.dump_text())
    shutil.copyfile(target_path, out / "target.toml")
    if trace is not None:
        (out / "trace.json").write_text(json.dumps(trace, separators=(",", ":"), sort_keys=True) + "\n")
    report_mod.write(rep, out, compiled.target, trace)


def _write_dumps(compiled, out) -> None:
    """out/ir/NN-PASS.mlir for each dump of `compiled` (or of a ConvcError that carries them)."""
    if not compiled.dumps:
        return
    ir_dir = out / "ir"
    ir_dir.mkdir(exist_ok=True)
    order = ["frontend"] + compiled.pass_names
    for name, text in compiled.dumps.items():
        (ir_dir / f"{order.index(name):02d}-{name}.mlir").write_text(text)


def report_main(argv) -> int:
    """`convc report OUT [--trace T.json]`: report.html again, with a run's timeline."""
    from convc.driver import report_html
    from convc.errors import ConvcError
    from convc.runtime.target import load_target
    p = argparse.ArgumentParser(prog="convc report", description="Write OUT/report.html from OUT/report.json "
                                "and, with --trace, the timeline of a run (convc run OUT ... --trace T.json).")
    p.add_argument("out_dir", metavar="OUT", type=Path, help="a directory written by convc MODEL -o OUT")
    p.add_argument("--trace", type=Path, metavar="T.json", help="a trace of `convc run --trace` (default: "
                   "OUT/trace.json if --verify wrote one)")
    p.add_argument("-o", "--output", type=Path, metavar="HTML", help="where to write (default OUT/report.html)")
    args = p.parse_args(argv)
    trace_path = args.trace or (args.out_dir / "trace.json")
    try:
        report = json.loads((args.out_dir / "report.json").read_text())
        trace = json.loads(trace_path.read_text()) if args.trace or trace_path.exists() else None
    except FileNotFoundError as exc:
        raise ConvcError(f"{exc.filename}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ConvcError(f"not a JSON file: {exc}") from None
    if trace is not None and not isinstance(trace.get("traceEvents") if isinstance(trace, dict) else None, list):
        raise ConvcError(f"{trace_path}: not a trace-event file (no traceEvents list)")
    if not (args.out_dir / "target.toml").is_file():
        raise ConvcError(f"{args.out_dir / 'target.toml'}: no such file (OUT must be a directory convc wrote)")
    target = load_target(args.out_dir / "target.toml")
    out = args.output or args.out_dir / "report.html"
    out.write_text(report_html.render(report, trace, report_html.capacities(target)))
    print(f"convc report: {out}" + (f" (timeline from {trace_path})" if trace is not None else " (no timeline)"))
    return 0


def passes_main(argv) -> int:
    from convc.driver.pipeline import PIPELINE
    for i, p in enumerate(PIPELINE, 1):
        print(f"{i:2d}. {p.name:<24} {p.description}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from convc.runtime.cli import run_main
        return run_main(argv[1:])
    if argv and argv[0] == "dump":
        from convc.runtime.cli import dump_main
        return dump_main(argv[1:])
    from convc.errors import ConvcError
    from convc.runtime.stream import StreamError
    from convc.runtime.target import TargetError
    try:
        if argv and argv[0] == "passes":
            return passes_main(argv[1:])
        if argv and argv[0] == "report":
            return report_main(argv[1:])
        if argv and argv[0] == "explore":
            from convc.explore.cli import explore_main
            return explore_main(argv[1:])
        return compile_main(argv)
    except (ConvcError, StreamError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
