"""ONNX node names travel through MLIR as name locations; these helpers read them back."""

import re

from convc.compiler.mlir import ir

_NAME = re.compile(r'loc\("((?:[^"\\]|\\.)*)"')


def node_name(loc: ir.Location) -> str:
    """The first ONNX node name in a location, or '?' when the op has none."""
    m = _NAME.search(str(loc))
    return m.group(1) if m else "?"


def describe(op) -> str:
    """`node 'conv1' (tosa.conv2d)` — how error messages name an operation."""
    operation = op.operation if hasattr(op, "operation") else op
    return f"node '{node_name(operation.location)}' ({operation.name})"
