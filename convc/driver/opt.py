"""convc-opt: run named convc passes on an MLIR file and print the result (for lit tests).

    convc-opt input.mlir --pass convc-fold-batchnorm [--pass ...] [--target thetis]
    convc-opt input.mlir --verify-only

Input may use the torch, tosa, func, arith, imc and dpu dialects. The quantize pass calibrates
on `--calib FILE.npz` or on `--calib-samples` synthetic standard-normal inputs (`--calib-seed`).
Errors (parse, verifier, pass) print `error: ...` lines and exit 1.
"""

import argparse
import sys

import numpy as np

from convc.errors import ConvcError, mlir_error_lines
from convc.ir.mlir import ir, torch_dialect


def _passes():
    from convc.driver.pipeline import PIPELINE
    return {p.name: p for p in PIPELINE}


def _check_constraints(module, target, ctx, annotations) -> None:
    """The CLI's constraint check on the IR the passes left (ConstraintViolation propagates)."""
    from dataclasses import replace
    from types import SimpleNamespace
    from convc.annotations.constraints import check
    unverified = annotations.of_kind("max_error")
    for rule in unverified:
        print(f"warning: {rule.where}: max_error not checked (it needs `convc --verify`)", file=sys.stderr)
    rest = replace(annotations, rules=[r for r in annotations.rules if r not in unverified])
    for where in check(SimpleNamespace(module=module, target=target, ctx=ctx), rest):
        print(f"note: {where} holds", file=sys.stderr)


def main(argv=None) -> int:
    known = _passes()
    # --pass-plugin files register extra pass names before the real parse.
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--pass-plugin", action="append", default=[])
    plugin_paths = pre.parse_known_args(argv)[0].pass_plugin
    try:
        from convc.driver.plugins import load_plugin
        for path in plugin_paths:
            plugin, _ = load_plugin(path)
            known[plugin.name] = plugin
    except ConvcError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    p = argparse.ArgumentParser(prog="convc-opt", description=__doc__, allow_abbrev=False,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="MLIR file ('-' for stdin)")
    p.add_argument("--pass", dest="passes", action="append", default=[], choices=sorted(known),
                   metavar="PASS", help=f"pass to run, in order (one of: {', '.join(known)})")
    p.add_argument("--target", default="thetis", help="target name or .toml path")
    p.add_argument("--calib", help="calibration .npz for convc-quantize")
    p.add_argument("--calib-samples", type=int, default=8)
    p.add_argument("--calib-seed", type=int, default=0)
    p.add_argument("--verify-only", action="store_true", help="parse and verify, print nothing on success")
    p.add_argument("--elide", type=int, default=0, help="elide constants with more elements than this")
    p.add_argument("--annotations", help="annotation file (docs/annotations.md) the passes consult")
    p.add_argument("--pass-plugin", action="append", default=[], metavar="MY_PASS.py",
                   help="load an expert pass (a file defining PASS and AFTER); name it with --pass")
    p.add_argument("--check-constraints", action="store_true",
                   help="after the passes, check the annotation file's constraints (all but max_error, which "
                        "needs `convc --verify`) and print `note: FILE:LINE:COL holds` for each")
    p.add_argument("--relax", action="store_true", help="rules the target cannot honour become warnings")
    args = p.parse_args(argv)

    from convc.passes.api import make_context, run_passes
    from convc.passes.directives import warn_unmatched
    from convc.driver.pipeline import load_calibration, new_context
    from convc.runtime.target import TargetError, load_target
    from convc.targets import resolve

    text = sys.stdin.read() if args.input == "-" else open(args.input).read()
    if "__elided__" in text:  # printed with large constants elided: their values are gone
        print(f"error: {args.input}: its large constants were elided when it was printed (dense_resource<__elided__>),"
              f" so passes cannot read them; print it in full (convc --dump-after writes dumps in full, convc-opt "
              f"without --elide)", file=sys.stderr)
        return 1
    context = new_context()
    torch_dialect.register_dialect(context)
    try:
        with context:
            try:
                module = ir.Module.parse(text)
            except ir.MLIRError as exc:
                for line in mlir_error_lines(exc):
                    print(f"error: {line}", file=sys.stderr)
                return 1
            if args.verify_only:
                return 0
            target = load_target(resolve(args.target))
            func_op = [op for op in module.body.operations if op.operation.name == "func.func"][0]
            block = func_op.regions[0].blocks[0]
            shapes = {f"arg{i}": list(a.type.shape) for i, a in enumerate(block.arguments)}
            if args.calib:
                samples = load_calibration(args.calib, shapes)
            else:
                rng = np.random.default_rng(args.calib_seed)
                samples = [[rng.standard_normal(s).astype(np.float32) for s in shapes.values()]
                           for _ in range(args.calib_samples)]
            from convc.annotations.parser import load as load_annotations
            from convc.annotations.constraints import contradictions
            annotations = load_annotations(args.annotations) if args.annotations else None
            contradictions(annotations)
            ctx = make_context(module, target, samples, annotations=annotations, relax=args.relax)
            run_passes(module, [known[n] for n in args.passes], ctx)
            warn_unmatched(module, ctx)
            for warning in ctx.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            print(module.operation.get_asm(large_elements_limit=args.elide or None))
            if args.check_constraints and annotations is not None:
                _check_constraints(module, target, ctx, annotations)
    except (ConvcError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
