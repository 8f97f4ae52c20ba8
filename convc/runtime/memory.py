"""Simulated memories: one numpy uint8 array per region of the target's address map.

Arrays come from np.zeros, which the OS backs lazily, so a 256 MiB DRAM costs only the pages
a stream touches. To run many samples without re-creating (and re-faulting) the memories, the
host calls `checkpoint()` after loading the DATA segments; every later write first saves the
original bytes of the 16 KiB chunks it is about to modify, and `rollback()` puts them back.
A sample therefore always starts from exactly "zeros + DATA", at the cost of copying only the
chunks the previous sample wrote.
"""
from __future__ import annotations

import numpy as np

from .errors import StreamError
from .target import Region, Target

CHUNK = 1 << 14


class Memory:
    def __init__(self, target: Target):
        self.target = target
        self._arrays = {r.name: np.zeros(r.size, np.uint8) for r in target.regions}
        nchunks = {r.name: -(-r.size // CHUNK) for r in target.regions}
        self._saved_mask = {name: np.zeros(n, bool) for name, n in nchunks.items()}
        self._saved: list[tuple[str, int, np.ndarray]] = []  # (region, byte offset, original)
        self._tracking = False

    # -- snapshots ----------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Make the current contents the state that `rollback()` returns to."""
        self._discard_saved()
        self._tracking = True

    def rollback(self) -> None:
        for name, off, original in reversed(self._saved):
            self._arrays[name][off:off + original.size] = original
        self._discard_saved()

    def _discard_saved(self) -> None:
        for name, off, original in self._saved:
            self._saved_mask[name][off // CHUNK:-(-(off + original.size) // CHUNK)] = False
        self._saved = []

    def _will_write(self, region: Region, off: int, span: int) -> None:
        if not self._tracking or span <= 0:
            return
        first, last = off // CHUNK, (off + span - 1) // CHUNK
        mask = self._saved_mask[region.name]
        fresh = np.flatnonzero(~mask[first:last + 1])
        if fresh.size == 0:
            return
        fresh += first
        # Save each run of consecutive unsaved chunks with one copy.
        breaks = np.flatnonzero(np.diff(fresh) != 1) + 1
        data = self._arrays[region.name]
        for run in np.split(fresh, breaks):
            a, b = int(run[0]) * CHUNK, min((int(run[-1]) + 1) * CHUNK, data.size)
            self._saved.append((region.name, a, data[a:b].copy()))
            mask[run[0]:run[-1] + 1] = True

    # -- raw access ---------------------------------------------------------------------------
    def _locate(self, addr: int, span: int) -> tuple[Region, np.ndarray, int]:
        region = self.target.region(addr, span)
        if region is None:
            raise StreamError(f"access 0x{addr:08x}..0x{addr + span:08x} is outside the "
                              f"memory map")
        return region, self._arrays[region.name], addr - region.base

    def read(self, addr: int, nbytes: int) -> np.ndarray:
        """A uint8 copy of [addr, addr+nbytes)."""
        _, data, off = self._locate(addr, nbytes)
        return data[off:off + nbytes].copy()

    def write(self, addr: int, values) -> None:
        """Write bytes, or any numpy array's raw (C-order) bytes, at addr."""
        raw = np.frombuffer(values if isinstance(values, (bytes, bytearray, memoryview))
                            else np.ascontiguousarray(values).tobytes(), np.uint8)
        region, data, off = self._locate(addr, raw.size)
        self._will_write(region, off, raw.size)
        data[off:off + raw.size] = raw

    # -- 2-D strided access -------------------------------------------------------------------
    def view(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        """A no-copy [rows, cols] view of elements of `dtype` whose rows start `stride` bytes
        apart. Callers must not write through it (that would bypass checkpointing)."""
        dtype = np.dtype(dtype).newbyteorder("<")
        if rows == 0 or cols == 0:
            return np.zeros((rows, cols), dtype)
        span = (rows - 1) * stride + cols * dtype.itemsize
        _, data, off = self._locate(addr, span)
        return np.ndarray((rows, cols), dtype, buffer=data, offset=off,
                          strides=(stride, dtype.itemsize))

    def read2d(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        return self.view(addr, rows, cols, stride, dtype).copy()

    def write2d(self, addr: int, values: np.ndarray, stride: int) -> None:
        """Write a 2-D array row by row, rows `stride` bytes apart (dtype taken from values,
        little-endian). Rows that overlap are written in order, so the last row wins."""
        values = np.asarray(values)
        rows, cols = values.shape
        if rows == 0 or cols == 0:
            return
        dtype = values.dtype.newbyteorder("<")
        row_bytes = cols * dtype.itemsize
        span = (rows - 1) * stride + row_bytes
        region, data, off = self._locate(addr, span)
        self._will_write(region, off, span)
        if rows > 1 and stride < row_bytes:
            # Overlapping rows: numpy gives no ordering guarantee for self-overlapping views.
            for r in range(rows):
                data[off + r * stride:off + r * stride + row_bytes] = np.frombuffer(
                    values[r].astype(dtype).tobytes(), np.uint8)
            return
        view = np.ndarray((rows, cols), dtype, buffer=data, offset=off,
                          strides=(stride, dtype.itemsize))
        view[...] = values

    def copy2d(self, src: int, dst: int, rows: int, row_bytes: int, src_stride: int,
               dst_stride: int) -> None:
        """The DMA: row r copies row_bytes from src + r*src_stride to dst + r*dst_stride."""
        if rows == 0 or row_bytes == 0:
            return
        source = self.view(src, rows, row_bytes, src_stride, np.uint8)
        src_span = (rows - 1) * src_stride + row_bytes
        dst_span = (rows - 1) * dst_stride + row_bytes
        src_region = self.target.region(src, src_span)
        dst_region = self.target.region(dst, dst_span)
        if src_region == dst_region and src < dst + dst_span and dst < src + src_span:
            # Source and destination overlap: do it the hardware's way, row after row, each
            # row read completely before it is written.
            for r in range(rows):
                row = source[r].copy()
                self.write2d(dst + r * dst_stride, row[None, :], row_bytes)
            return
        self.write2d(dst, source, dst_stride)
