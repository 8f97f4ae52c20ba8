"""The byte ranges a command touches, as the units describe them.

Each unit lists the ranges of its commands (`Unit.accesses`). The validator checks them against
the memory map before anything runs and the pricing counts their bytes per memory level, so
the two can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    field: str  # the address field, for error messages ("in_addr", "params_addr", ...)
    write: bool
    addr: int
    span: int  # from addr to one past the last byte touched (0: nothing touched)
    nbytes: int  # bytes actually transferred, for the counters


def strided(field: str, write: bool, addr: int, rows: int, row_bytes: int,
            stride: int) -> Access:
    """`rows` rows of `row_bytes`, `stride` bytes apart; checked by their whole extent."""
    if rows == 0 or row_bytes == 0:
        return Access(field, write, addr, 0, 0)
    return Access(field, write, addr, (rows - 1) * stride + row_bytes, rows * row_bytes)


def flat(field: str, write: bool, addr: int, nbytes: int) -> Access:
    return Access(field, write, addr, nbytes, nbytes)
