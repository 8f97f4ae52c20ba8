"""Convenience for producing streams (used by the compiler's emitter and by the tests).

    b = StreamBuilder(target="thetis", cores=1, model="mlp")
    b.input("x", (1, 64), addr=0x80000000, scale=0.05, zero_point=0)
    b.data(0x80001000, weights)                     # bytes or any numpy array
    b.emit(0, Op.DMA, src=..., dst=..., rows=1, row_bytes=64, src_stride=64, dst_stride=64)
    blob = b.build().encode()
"""
from __future__ import annotations

import numpy as np

from .stream import Command, DataSegment, IOTensor, Op, Stream, make_meta


class StreamBuilder:
    def __init__(self, target: str, cores: int, model: str, producer: str = "convc"):
        self.stream = Stream(make_meta(target, cores, model, producer))

    def input(self, name: str, shape, addr: int, scale: float, zero_point: int) -> IOTensor:
        return self._io(IOTensor(name, "input", tuple(shape), addr, scale, zero_point))

    def output(self, name: str, shape, addr: int, scale: float, zero_point: int) -> IOTensor:
        return self._io(IOTensor(name, "output", tuple(shape), addr, scale, zero_point))

    def _io(self, tensor: IOTensor) -> IOTensor:
        tensor.check()
        self.stream.io.append(tensor)
        return tensor

    def data(self, addr: int, data) -> DataSegment:
        seg = DataSegment(addr, data)
        self.stream.data.append(seg)
        return seg

    def emit(self, core: int, op: Op, flags: int = 0, **fields: int) -> Command:
        cmd = Command.make(op, flags, **fields)
        self.stream.queues.setdefault(core, []).append(cmd)
        return cmd

    def build(self) -> Stream:
        return self.stream


def requant_params(bias, mult, shift) -> bytes:
    """The DPU_REQUANT parameter block: i32 bias[c], i32 mult[c], i32 shift[c]."""
    arrays = [np.asarray(v, np.int64).ravel() for v in (bias, mult, shift)]
    if len({a.size for a in arrays}) != 1:
        raise ValueError("bias, mult and shift need one entry per channel")
    block = np.concatenate(arrays)
    if block.min(initial=0) < -(1 << 31) or block.max(initial=0) >= 1 << 31:
        raise ValueError("requant parameters must fit in int32")
    return block.astype("<i4").tobytes()
