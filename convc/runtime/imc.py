"""The in-memory-computing array of one core: IMC_PROGRAM and IMC_MVM."""
from __future__ import annotations

import numpy as np

from .memory import Memory
from .stream import ACCUMULATE


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 -> int32 keeping the low 32 bits (two's complement wrap-around, as the
    hardware's 32-bit accumulators), spelled out so it never depends on cast behaviour."""
    return (values & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def packed_size(n: int, bits: int) -> int:
    """Bytes of `n` weights packed at `bits` bits each (8 bits: plain int8)."""
    return -(-n * bits // 8)


def pack_weights(codes: np.ndarray, bits: int) -> bytes:
    """Row-major weight codes → the bytes IMC_PROGRAM reads in a `bits`-bit mode.

    Element i occupies bits [i*bits, (i+1)*bits) of the blob, least significant bit first
    within each byte; codes are two's complement, except 1-bit (binary) where bit 1 is +1 and
    bit 0 is -1. 8 bits is plain int8.
    """
    flat = np.asarray(codes, np.int64).reshape(-1)
    if bits == 8:
        return flat.astype(np.int8).tobytes()
    raw = (flat > 0).astype(np.uint8) if bits == 1 else (flat & ((1 << bits) - 1)).astype(np.uint8)
    planes = ((raw[:, None] >> np.arange(bits, dtype=np.uint8)) & 1).reshape(-1)
    return np.packbits(planes, bitorder="little").tobytes()


def unpack_weights(blob: np.ndarray, n: int, bits: int) -> np.ndarray:
    """The inverse of pack_weights: `n` int64 codes from the packed bytes `blob` (uint8)."""
    if bits == 8:
        return blob[:n].view(np.int8).astype(np.int64)
    planes = np.unpackbits(blob, bitorder="little")[: n * bits].reshape(n, bits).astype(np.int64)
    raw = (planes << np.arange(bits)).sum(axis=1)
    if bits == 1:
        return raw * 2 - 1
    sign = 1 << (bits - 1)
    return (raw ^ sign) - sign


class ImcArray:
    def __init__(self):
        self.weights: np.ndarray | None = None  # float64 [rows, cols], see mvm()
        self.weight_bits, self.input_bits = 8, 8

    def set_mode(self, f: dict) -> None:
        self.weight_bits, self.input_bits = f["weight_bits"], f["input_bits"]

    @property
    def shape(self) -> tuple[int, int] | None:
        return None if self.weights is None else self.weights.shape

    def program(self, mem: Memory, f: dict) -> None:
        """Write a rows x cols matrix; narrow modes read it packed (see pack_weights), so every
        bit pattern is a valid weight and there is nothing to range-check."""
        rows, cols = f["rows"], f["cols"]
        n = rows * cols
        blob = mem.view(f["src"], 1, packed_size(n, self.weight_bits), 0, np.uint8).reshape(-1)
        self.weights = unpack_weights(blob, n, self.weight_bits).reshape(rows, cols).astype(np.float64)

    def mvm(self, mem: Memory, f: dict, flags: int) -> None:
        rows, cols = self.weights.shape
        m = f["m"]
        if m == 0:
            return
        x = mem.view(f["in_addr"], m, rows, f["in_stride"], np.int8)
        if self.input_bits < 8:  # bit-serial: the array only sees the low input_bits bits
            sign = 1 << (self.input_bits - 1)
            x = ((x.astype(np.int64) & ((1 << self.input_bits) - 1)) ^ sign) - sign
        x = x.astype(np.float64)
        # Exact integer arithmetic through a float64 BLAS matmul: every product of two int8 is
        # an integer of magnitude <= 2^14, so every partial sum of up to `rows` of them is an
        # integer of magnitude <= rows * 2^14, far below 2^53 for any realistic array
        # (rows < 2^39). Integers that small are represented exactly in float64 and so are
        # all intermediate sums, whatever order or blocking the BLAS uses: the result is the
        # exact integer dot product, and this is much faster than an int64 matmul.
        y = (x @ self.weights).astype(np.int64)
        if flags & ACCUMULATE:
            y += mem.view(f["out_addr"], m, cols, f["out_stride"], np.int32)
        mem.write2d(f["out_addr"], wrap_int32(y), f["out_stride"])
