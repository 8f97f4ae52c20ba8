"""convc's engine dialects, defined in Python through IRDL (`torch_mlir.dialects.ext`)."""

from convc.dialects.dpu import Dpu
from convc.dialects.imc import Imc

ALL_DIALECTS = (Imc, Dpu)


def is_view(op) -> bool:
    """Whether `op` is a view (its dialect class has the IS_VIEW trait): its result is bytes of
    its input, so it emits nothing and the memory plan aliases it (dpu.reshape, dpu.slice)."""
    return getattr(op, "IS_VIEW", False) is True


def load_all() -> None:
    """Register every convc dialect in the current MLIR context."""
    for dialect in ALL_DIALECTS:
        dialect.load()
