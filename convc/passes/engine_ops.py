"""Helpers the back-end passes share: the engine ops of the function and their data edges."""

from convc.engines import engine_of
from convc.engines.base import align
from convc.dialects import is_view
from convc.ir.attrs import numel
from convc.ir.util import body_ops, entry_func, is_constant, users
from convc.ir.mlir import ir
from convc.ir.schema import ID, KEEP_IN_CORE


def engine_ops(module_op) -> list:
    """Engine ops in program order (a topological order of the dataflow graph)."""
    return [op for op in body_ops(entry_func(module_op)) if engine_of(op) is not None]


def producer(value):
    """The engine op that really produces `value`, looking through views; None for inputs."""
    owner = value.owner
    while is_view(owner):
        owner = owner.operands[0].owner
    if isinstance(owner, ir.Block) or engine_of(owner) is None:
        return None
    return owner


def number_ops(module_op) -> list:
    """Give every engine op its program-order `id` (selectors and events use it)."""
    ops = engine_ops(module_op)
    for i, op in enumerate(ops):
        ID.set(op, i)
    return ops


def activation_operands(op) -> list:
    """Operands that are activations (not constants)."""
    return [v for v in op.operands if not is_constant(v)]


def readers(value) -> list:
    """Ops that read `value` (func.return included), looking through views."""
    out = []
    for u in users(value):
        out += readers(u.results[0]) if is_view(u) else [u]
    return out


def is_network_output(value) -> bool:
    """Whether `value` (or a view of it) is returned: the host reads it from DRAM."""
    return any(u.operation.name == "func.return" for u in readers(value))


def l1_reserved(ops, core: int) -> int:
    """Bytes at the top of `core`'s L1 that hold tensors kept in the core (`keep_in_core`, from
    a never_leaves_core constraint): per-op working sets must fit below them."""
    return sum(align(numel(op.results[0])) for op in ops if KEEP_IN_CORE.get(op) == core)
