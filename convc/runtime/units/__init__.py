"""The registry of runtime units: which engine kinds exist and which opcodes they execute.

Everything generic in the runtime (codec, target parser, validator, executor, dump) finds a
unit here, by its kind or by one of its opcodes. A unit registered at run time, for example
from a test file, takes part exactly like the built-in ones.
"""
from __future__ import annotations

from .aimc import AimcUnit
from .base import Opcode, Unit
from .cgra import CgraUnit
from .core import CoreUnit
from .dpu import DpuUnit
from .host import HostUnit
from .imc import ImcUnit
from .snn import SnnUnit

__all__ = ["Opcode", "Unit", "all_units", "engine_kinds", "opcode", "opcode_named", "opcodes",
           "register", "unit", "unit_of", "unregister"]

_units: dict[str, Unit] = {}
_by_code: dict[int, Opcode] = {}
_by_name: dict[str, Opcode] = {}


def register(new: Unit) -> Unit:
    """Add a unit; its kind, opcode codes and names must all be new. Returns the unit."""
    if new.kind in _units:
        raise ValueError(f"a unit of kind {new.kind!r} is already registered")
    for op in new.opcodes:
        if op.unit != new.kind:
            raise ValueError(f"opcode {op.name} says unit {op.unit!r}, registered by {new.kind!r}")
        clash = _by_code.get(op.code) or _by_name.get(op.name)
        if clash is not None:
            raise ValueError(f"opcode {op.name} (0x{op.code:02x}) clashes with {clash.name} "
                             f"(0x{clash.code:02x}) of unit {clash.unit!r}")
    if len({op.code for op in new.opcodes}) != len(new.opcodes) or \
            len({op.name for op in new.opcodes}) != len(new.opcodes):
        raise ValueError(f"unit {new.kind!r} lists an opcode code or name twice")
    _units[new.kind] = new
    for op in new.opcodes:
        _by_code[op.code], _by_name[op.name] = op, op
    return new


def unregister(kind: str) -> None:
    gone = _units.pop(kind)
    for op in gone.opcodes:
        del _by_code[op.code], _by_name[op.name]


def all_units() -> tuple[Unit, ...]:
    return tuple(_units.values())


def unit(kind: str) -> Unit | None:
    return _units.get(kind)


def unit_of(op: Opcode) -> Unit:
    return _units[op.unit]


def opcode(code: int) -> Opcode | None:
    """The registered opcode with this u8 code, or None."""
    return _by_code.get(code)


def opcode_named(name: str) -> Opcode | None:
    return _by_name.get(name)


def opcodes() -> tuple[Opcode, ...]:
    """Every registered opcode, by code."""
    return tuple(_by_code[c] for c in sorted(_by_code))


def engine_kinds() -> tuple[str, ...]:
    """The kinds a target file may declare under [cores.engines] (the implicit core unit is
    on every core and is not declared)."""
    return tuple(sorted(k for k, u in _units.items() if not u.implicit))


# The built-in units.
register(CoreUnit())
register(ImcUnit())
register(DpuUnit())
register(HostUnit())
register(AimcUnit())
register(CgraUnit())
register(SnnUnit())
