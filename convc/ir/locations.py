"""ONNX node names travel through MLIR as name locations; these helpers read them back."""

import re

from convc.ir.mlir import ir

_NAME = re.compile(r'loc\("((?:[^"\\]|\\.)*)"')


def node_name(loc: ir.Location) -> str:
    """The first ONNX node name in a location, or '?' when the op has none.

    MLIR prints special characters in names as `\\XX` hex escapes; they are decoded back.
    """
    m = _NAME.search(str(loc))
    if not m:
        return "?"
    raw = re.sub(rb"\\([0-9A-Fa-f]{2})", lambda e: bytes([int(e.group(1), 16)]), m.group(1).encode())
    return raw.decode("utf-8", errors="replace")


def describe(op) -> str:
    """`node 'conv1' (tosa.conv2d)` — how error messages name an operation."""
    operation = op.operation if hasattr(op, "operation") else op
    return f"node '{node_name(operation.location)}' ({operation.name})"
