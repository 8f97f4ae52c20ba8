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


def whole_target(target) -> str:
    """A pass's default target_key: it may read anything of the target."""
    return repr(sorted(target.raw.items()))


def no_target(target) -> None:
    """The target_key of a pass that never reads ctx.target."""
    return None


@dataclass(frozen=True)
class Pass:
    name: str
    run: Callable[[Any, "PassContext"], None]
    description: str
    # What of the target the pass's result depends on: two targets with equal keys give the
    # same IR. `convc explore` runs the passes up to convc-quantize once for all design points
    # whose keys agree (the calibration is most of a compile).
    target_key: Callable[[Any], Any] = whole_target


ONNX_TYPES = "convc.onnx_types"  # module attribute: ONNX node name -> op type (set by the frontend)
# module attribute of a pre-quantized (QDQ) model: producing node or input name -> [scale, zp]
QDQ_SCALES = "convc.qdq_scales"
# module attributes of the mapping objective (set by the driver from --objective/--batch or an
# `objective` statement): "latency" or "throughput", frames per inference, where it came from
OBJECTIVE, BATCH, OBJECTIVE_SOURCE = "convc.objective", "convc.batch", "convc.objective_source"


@dataclass(frozen=True)
class Objective:
    kind: str = "latency"   # latency: one frame as fast as possible; throughput: frames per second
    batch: int = 1          # frames per inference (the inputs' batch)
    source: str = "default"  # "--objective" or the annotation file:line


def objective_of(module_op) -> Objective:
    attrs = module_op.attributes
    if OBJECTIVE not in attrs:
        return Objective()
    return Objective(ir.StringAttr(attrs[OBJECTIVE]).value, ir.IntegerAttr(attrs[BATCH]).value,
                     ir.StringAttr(attrs[OBJECTIVE_SOURCE]).value if OBJECTIVE_SOURCE in attrs else "IR")


def set_objective(module_op, goal: Objective) -> None:
    attrs = module_op.attributes
    attrs[OBJECTIVE] = ir.StringAttr.get(goal.kind)
    attrs[BATCH] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), goal.batch)
    attrs[OBJECTIVE_SOURCE] = ir.StringAttr.get(goal.source)


@dataclass
class PassContext:
    """What a pass may need beyond the IR. Built by `make_context`, the one constructor that
    `convc` and `convc-opt` both use, so a pass sees the same context from either."""

    target: Any                               # convc.runtime.target.Target
    calibration: list                         # samples; each a list of input arrays
    annotations: Any = None                   # convc.annotations.parser.Annotations, or None
    relax: bool = False                       # rules the target cannot honour become warnings
    onnx_types: dict[str, str] = field(default_factory=dict)  # for `op TYPE` selectors
    warnings: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # figures passes leave for the report (output only)
    # What passes learn about the annotation file along the way (for one warning per rule):
    refused_rules: set[str] = field(default_factory=set)
    exploited_opportunities: set = field(default_factory=set)
    unexploited_opportunities: set = field(default_factory=set)


def make_context(module: ir.Module, target, calibration, annotations=None, relax=False,
                 warnings=()) -> PassContext:
    """The PassContext for compiling `module`: ONNX op types come from the module itself (the
    frontend records them), so IR dumped by `convc --dump-after` replays the same in convc-opt."""
    attrs = module.operation.attributes
    types = ({a.name: ir.StringAttr(a.attr).value for a in ir.DictAttr(attrs[ONNX_TYPES])}
             if ONNX_TYPES in attrs else {})
    return PassContext(target=target, calibration=calibration, annotations=annotations, relax=relax,
                       onnx_types=types, warnings=list(warnings))


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

