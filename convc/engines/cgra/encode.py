"""A scheduled kernel as the configuration CGRA_CONFIGURE loads (format in
runtime/units/cgra_config.py and docs/command-stream.md)."""
from __future__ import annotations

import numpy as np

from convc.dialects.cgra_dfg import IMM, Kernel
from convc.engines.cgra.scheduler import Schedule
from convc.runtime.units.cgra_config import FN_CODES, IMMEDIATE, MAGIC, NODE_FIELDS


def config_words(kernel: Kernel, sched: Schedule) -> np.ndarray:
    words = [MAGIC, sched.ii, sched.length, len(kernel.nodes)]
    for i, node in enumerate(kernel.nodes):
        operands = []
        for src, d in node.args:
            operands += [IMMEDIATE, 0] if src is IMM else [src, sched.back(i, src, d)]
        operands += [IMMEDIATE, 0] * (3 - len(node.args))
        fields = [FN_CODES[node.fn], sched.units[i], sched.times[i], sched.regs[i], node.init, node.imm,
                  node.port, node.width, node.stride, node.outer_stride, node.period,
                  node.offset, *operands]
        assert len(fields) == len(NODE_FIELDS)
        words += fields
    return np.array(words, "<i8").astype("<i4")


def config_blob(kernel: Kernel, sched: Schedule) -> bytes:
    return config_words(kernel, sched).tobytes()
