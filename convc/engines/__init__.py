"""Engine models: how each engine kind of an SoC costs, lays out and emits the ops it runs."""

from convc.engines.dpu import DpuEngine
from convc.engines.imc import ImcEngine

ENGINES = (ImcEngine(), DpuEngine())
_BY_OP = {name: engine for engine in ENGINES for name in engine.ops}


def engine_of(op):
    """The engine model for a dialect op, or None for ops that are not engine work."""
    return _BY_OP.get(op.operation.name)
