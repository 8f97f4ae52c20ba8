"""The `convc` command line.

    convc MODEL.onnx --target thetis -o OUT [--calib samples.npz] [--verify] [--dump-after PASS]
    convc run OUT --input x.npy -o y.npy
    convc dump OUT/stream.bin
    convc passes

User mistakes print one `error: ...` line and exit 1; they never show a traceback.
"""

import argparse
import shutil
import sys
from pathlib import Path

DESCRIPTION = """\
Compile an ONNX model for a heterogeneous edge-AI SoC and emit a command stream.

Writes to OUT: stream.bin (the binary command stream, see docs/command-stream.md),
stream.txt (readable dump), target.toml (the target it was compiled for), report.json and
report.txt (per layer: engine, core, tiles, precision, addresses, estimated cycles), and
ir/NN-PASS.mlir for every pass named by --dump-after (or all with --dump-all).

Other commands:
  convc run OUT --input x.npy -o y.npy   execute the stream on the reference runtime (a batch)
  convc dump OUT/stream.bin              print a stream in readable form
  convc passes                           list the pipeline's passes in order
"""


def _compile_parser(pass_names):
    p = argparse.ArgumentParser(prog="convc", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="the ONNX model to compile")
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
                   help="inputs for --verify (default: up to 16 calibration samples)")
    p.add_argument("--dump-after", action="append", default=[], metavar="PASS", choices=pass_names,
                   help="write the MLIR after PASS to OUT/ir/ (repeatable); see `convc passes`")
    p.add_argument("--dump-all", action="store_true", help="write the MLIR after every pass")
    return p


def compile_main(argv) -> int:
    from convc.compiler import report as report_mod
    from convc.compiler.pipeline import PASS_NAMES, compile_model, load_calibration, input_shapes
    from convc.targets import resolve

    args = _compile_parser(PASS_NAMES).parse_args(argv)
    target_path = resolve(args.target)
    compiled = compile_model(args.model, target_path, calib=args.calib, dump_after=args.dump_after,
                             dump_all=args.dump_all, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "stream.bin").write_bytes(compiled.stream.encode())
    (out / "stream.txt").write_text(compiled.stream.dump_text())
    shutil.copyfile(target_path, out / "target.toml")
    if compiled.dumps:
        ir_dir = out / "ir"
        ir_dir.mkdir(exist_ok=True)
        order = ["frontend"] + PASS_NAMES
        for name, text in compiled.dumps.items():
            if name == "frontend" and not args.dump_all:
                continue
            (ir_dir / f"{order.index(name):02d}-{name}.mlir").write_text(text)
    verify_result = None
    if args.verify:
        from convc.compiler.verify import verify
        shapes = input_shapes(compiled.onnx_model)
        if args.verify_inputs:
            samples = load_calibration(args.verify_inputs, shapes)
        elif compiled.ctx.calibration:
            samples = compiled.ctx.calibration[:16]
        verify_result = verify(compiled, args.model, samples)
    rep = report_mod.build_report(compiled, args.model, verify_result)
    report_mod.write(rep, out)
    line = f"convc: {args.model} -> {out}/stream.bin ({rep['stream']['bytes']} bytes, {len(rep['layers'])} layers, {rep['compile_seconds']} s)"
    print(line)
    if verify_result:
        v = verify_result
        print(f"verify: integer_exact={v['integer_exact']} cosine={v['cosine']:.5f} "
              f"max_abs_error={v['max_abs_error']:.4g} top1_agreement={v['top1_agreement']:.3f} ({v['samples']} samples)")
        if not v["integer_exact"]:
            print("error: the runtime's integers differ from the integer reference", file=sys.stderr)
            return 3
    return 0


def passes_main(argv) -> int:
    from convc.compiler.pipeline import PIPELINE
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
    from convc.compiler.errors import ConvcError
    from convc.runtime.stream import StreamError
    from convc.runtime.target import TargetError
    try:
        if argv and argv[0] == "passes":
            return passes_main(argv[1:])
        return compile_main(argv)
    except (ConvcError, StreamError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
