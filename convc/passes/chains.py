"""A chain of float TOSA ops that one engine op computes (softmax, spatial mean, layer norm):
the value it reads, its ops in program order, and its output (the last op's result, the only
value used outside it). The lowering driver skips the inner values and dispatches the output
under the chain's `kind`, the `lowerings` key an engine lowers it by (convc/engines/base.py)."""

from dataclasses import dataclass
from typing import ClassVar

from convc.ir.util import op_name, users


@dataclass
class Chain:
    root: object  # the float value the chain reads
    ops: list     # program order; the last one produces the output
    kind: ClassVar[str] = ""

    @property
    def output(self):
        return self.ops[-1].results[0]

    @property
    def values(self):
        return [op.results[0] for op in self.ops]


def only_user(value, name=None):
    """The one op using `value` (of TOSA op `name` if given), or None."""
    uses = users(value)
    return uses[0] if len(uses) == 1 and (name is None or op_name(uses[0]) == name) else None


def distinct_users(value) -> list:
    """The ops using `value`, each once (mul(d, d) uses d twice)."""
    out, seen = [], set()
    for u in users(value):
        if u.operation not in seen:  # OpViews hash by identity, operations by the op
            seen.add(u.operation)
            out.append(u)
    return out


def find_chains(ops, first: str, match) -> dict:
    """{output value: chain} of every chain `match(op)` finds starting at a `first` op, each op
    in at most one chain."""
    found, seen = {}, set()
    for op in ops:
        if op_name(op) == first and op.operation not in seen:
            chain = match(op)
            if chain is not None:
                found[chain.output] = chain
                seen.update(o.operation for o in chain.ops)  # OpViews hash by identity
    return found
