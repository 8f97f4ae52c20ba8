"""What a convc pass is, and how passes run inside an MLIR PassManager.

A pass is a Python function `run(module_op, ctx)` registered with a name. The pipeline wraps
each one as an MLIR pass (`PassManager.add(callable)`), so built-in and expert passes see the
same IR through the same machinery. Passes report user-facing problems by raising ConvcError;
the wrapper turns that into a pass failure and re-raises it after the PassManager stops.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

from convc.errors import ConvcError, mlir_error_lines
from convc.ir.mlir import PassManager, ir


@dataclass(frozen=True)
class Pass:
    name: str
    run: Callable[[Any, "PassContext"], None]
    description: str


@dataclass
class PassContext:
    """State a pass may need beyond the IR: the target, calibration data, options."""

    target: Any = None                      # convc.runtime.target.Target
    calibration: list | None = None         # list of samples; each a list of input arrays
    options: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # passes leave figures here for the report


def run_passes(module: ir.Module, passes: list[Pass], ctx: PassContext,
               after_each: Callable[[Pass, ir.Module], None] | None = None) -> None:
    """Run `passes` in order, each through its own PassManager run so dumps can follow it."""
    for p in passes:
        failure: list[BaseException] = []

        def body(op, pass_, p=p):
            try:
                p.run(op, ctx)
            except ConvcError as exc:
                failure.append(exc)
                pass_.signal_pass_failure()

        with module.context, ir.Location.unknown():
            pm = PassManager("builtin.module")
            pm.add(body, name=p.name, argument=p.name, description=p.description)
            try:
                pm.run(module.operation)
            except ir.MLIRError as exc:
                if failure:
                    raise failure[0] from None
                raise ConvcError(f"pass {p.name} produced invalid IR: {mlir_error_lines(exc)[0]}") from None
        if after_each is not None:
            after_each(p, module)

