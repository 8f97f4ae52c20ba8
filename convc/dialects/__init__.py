"""convc's engine dialects, defined in Python through IRDL (`torch_mlir.dialects.ext`).

The registry holds one line per dialect; an engine-kind plugin registers its own with
`register`, and every new MLIR context loads them all.
"""

from convc.dialects.cgra import Cgra
from convc.dialects.dpu import Dpu
from convc.dialects.imc import Imc
from convc.dialects.snn import Snn

DIALECTS: list = []


def register(dialect) -> None:
    if dialect not in DIALECTS:
        DIALECTS.append(dialect)


def unregister(dialect) -> None:
    if dialect in DIALECTS:
        DIALECTS.remove(dialect)


register(Imc)
register(Dpu)
register(Cgra)
register(Snn)


def is_view(op) -> bool:
    """Whether `op` is a view (its dialect class has the IS_VIEW trait): its result is bytes of
    its input, so it emits nothing and the memory plan aliases it (dpu.reshape, dpu.slice)."""
    return getattr(op, "IS_VIEW", False) is True


def load_all() -> None:
    """Register every convc dialect in the current MLIR context."""
    for dialect in DIALECTS:
        dialect.load()
