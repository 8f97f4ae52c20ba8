"""Attribute builders and readers shared by the engine dialects.

Engine ops store integers as i64 attributes and per-channel parameters as dense i32 arrays,
so the printed IR reads like the command stream the ops become.
"""

from convc.ir.mlir import ir


def i64(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def f64(value: float) -> ir.FloatAttr:
    return ir.FloatAttr.get_f64(float(value))


def i32_array(values) -> ir.DenseI32ArrayAttr:
    return ir.DenseI32ArrayAttr.get([int(v) for v in values])


def i64_array(values) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def get_int(op, name: str, default=None):
    attrs = op.operation.attributes if hasattr(op, "operation") else op.attributes
    if name not in attrs:
        return default
    return ir.IntegerAttr(attrs[name]).value


def get_str(op, name: str, default=None):
    attrs = op.operation.attributes if hasattr(op, "operation") else op.attributes
    if name not in attrs:
        return default
    return ir.StringAttr(attrs[name]).value


def get_float(op, name: str) -> float:
    attrs = op.operation.attributes if hasattr(op, "operation") else op.attributes
    return ir.FloatAttr(attrs[name]).value


def get_array(op, name: str, default=None) -> list[int]:
    """A dense integer array attribute; `default` (e.g. []) if absent, else absence is a KeyError."""
    attrs = op.operation.attributes if hasattr(op, "operation") else op.attributes
    if name not in attrs:
        if default is None:
            raise KeyError(f"no attribute '{name}'")
        return default
    attr = attrs[name]
    for kind in (ir.DenseI64ArrayAttr, ir.DenseI32ArrayAttr):
        if isinstance(attr, kind):
            return list(kind(attr))
    raise TypeError(f"attribute '{name}' is not a dense integer array")


def tensor_shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def numel(value) -> int:
    """Element count of a tensor value (bytes, for the int8 tensors engines move)."""
    n = 1
    for d in tensor_shape(value):
        n *= d
    return n


def element_width(value) -> int:
    """Bit width of a tensor value's integer element type (0 if not an integer)."""
    elem = ir.RankedTensorType(value.type).element_type
    return elem.width if isinstance(elem, ir.IntegerType) else 0


def nbytes(value) -> int:
    """Bytes of a tensor value in memory: int8 activations, or the int32 records that the
    steps of a CGRA chain pass to each other."""
    return numel(value) * max(1, element_width(value) // 8)
