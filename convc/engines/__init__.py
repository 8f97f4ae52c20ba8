"""The registry of engine kinds (compiler side): one line per kind.

An engine kind is a plugin: its dialect (convc/dialects/), its engine class here and its
runtime unit (convc/runtime/units/). Passes never test a kind; they ask the registry which
engine lowers a TOSA op, which engines can run an engine op on a core, and the chosen
engine of an op for its cost, working set, constants and commands.
"""

from convc.engines.cgra import CgraEngine
from convc.engines.dpu import DpuEngine
from convc.engines.host import HostEngine
from convc.engines.imc import ImcEngine
from convc.engines.imc_analog import AnalogImcEngine
from convc.engines.snn import SnnEngine
from convc.ir.schema import ENGINE

ENGINES: dict = {}  # kind -> Engine, in registration order


def register(engine) -> None:
    """Add an engine kind (built-in below, or a plugin's at run time)."""
    if engine.kind in ENGINES:
        raise ValueError(f"engine kind '{engine.kind}' is registered already")
    ENGINES[engine.kind] = engine


def unregister(kind: str) -> None:
    ENGINES.pop(kind, None)


register(ImcEngine())
register(AnalogImcEngine())
register(DpuEngine())
register(CgraEngine())
register(SnnEngine())
register(HostEngine())


def home_engine(op):
    """The engine kind whose dialect op `op` is, or None for ops that are not engine work."""
    name = op.operation.name
    return next((e for e in ENGINES.values() if e.ops is not None and name in e.ops), None)


def engine_of(op):
    """The engine that runs `op`: convc-allocate-cores' choice (`convc.engine`), else its home."""
    kind = ENGINE.get(op)
    return ENGINES[kind] if kind is not None else home_engine(op)


def options(op, target, core) -> list[tuple[object, str | None]]:
    """(engine, why it refuses or None) for each engine of `core` that runs ops like `op`."""
    engines = [ENGINES[k] for k in target.engines(core) if k in ENGINES and ENGINES[k].runs(op)]
    return [(e, e.refusal(op, target, core)) for e in engines]


def target_kinds(target) -> list[str]:
    """Engine kinds the target has, in the order its file first lists them."""
    kinds = []
    for group in target.groups:
        kinds += [k for k in group.engines if k not in kinds]
    return kinds


def lowering_for(tosa_op: str, target):
    """The function that lowers `tosa_op`: from the first engine kind of the target that takes
    it; if none of the target's kinds does, from any registered kind (a host engine may still
    run the resulting op); None if no engine lowers it."""
    takers = [e for e in ENGINES.values() if tosa_op in e.lowerings]
    present = target_kinds(target)
    takers.sort(key=lambda e: present.index(e.kind) if e.kind in present else len(present))
    return takers[0].lowerings[tosa_op] if takers else None
