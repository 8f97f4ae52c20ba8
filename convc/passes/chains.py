"""A chain of float TOSA ops that one engine op computes (softmax, spatial mean): the value it
reads, its ops in program order, and its output (the last op's result, the only value used
outside it). The lowering driver skips the inner values and dispatches the output."""

from dataclasses import dataclass


@dataclass
class Chain:
    root: object  # the float value the chain reads
    ops: list     # program order; the last one produces the output

    @property
    def output(self):
        return self.ops[-1].results[0]

    @property
    def values(self):
        return [op.results[0] for op in self.ops]
