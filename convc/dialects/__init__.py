"""convc's engine dialects, defined in Python through IRDL (`torch_mlir.dialects.ext`)."""

from convc.dialects.dpu import Dpu
from convc.dialects.imc import Imc

ALL_DIALECTS = (Imc, Dpu)


def load_all() -> None:
    """Register every convc dialect in the current MLIR context."""
    for dialect in ALL_DIALECTS:
        dialect.load()
