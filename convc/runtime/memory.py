"""Simulated memories: per region of the target's address map, one numpy uint8 array with a
row per sample.

A batch of B samples executes in lock step (executor.py): the stream has no data-dependent
control flow, so every sample runs the same commands on the same addresses, and a command can
process all B rows of its operands with one numpy operation. `BatchMemory` is that view: its
`view` returns [B, rows, cols] arrays, its writes take [B, ...] values. `Memory` is one sample
of it with the per-sample interface ([rows, cols] views), for the units that execute one
sample at a time and for callers that hold a single sample (tests, tools).

Arrays come from np.zeros, which the OS backs lazily, so a 256 MiB DRAM costs only the pages
a stream touches (per sample). To run many batches without re-creating (and re-faulting) the
memories, the host calls `checkpoint()` after loading the DATA segments; every later write
first saves the original bytes of the 16 KiB chunks it is about to modify (in every row), and
`rollback()` puts them back. A batch therefore always starts from exactly "zeros + DATA", at
the cost of copying only the chunks the previous batch wrote.
"""
from __future__ import annotations

import numpy as np

from .errors import StreamError
from .target import Region, Target

CHUNK = 1 << 14


class _Snapshot:
    """The chunks saved since the last checkpoint, shared by every view of one memory."""

    def __init__(self, arrays: dict[str, np.ndarray], target: Target):
        self.arrays = arrays  # the full [B, size] arrays
        self.mask = {r.name: np.zeros(-(-r.size // CHUNK), bool) for r in target.regions}
        self.saved: list[tuple[str, int, np.ndarray]] = []  # (region, byte offset, original rows)
        self.tracking = False

    def will_write(self, region: Region, off: int, span: int) -> None:
        if not self.tracking or span <= 0:
            return
        first, last = off // CHUNK, (off + span - 1) // CHUNK
        mask = self.mask[region.name]
        fresh = np.flatnonzero(~mask[first:last + 1])
        if fresh.size == 0:
            return
        fresh += first
        # Save each run of consecutive unsaved chunks with one copy.
        breaks = np.flatnonzero(np.diff(fresh) != 1) + 1
        data = self.arrays[region.name]
        for run in np.split(fresh, breaks):
            a, b = int(run[0]) * CHUNK, min((int(run[-1]) + 1) * CHUNK, data.shape[1])
            self.saved.append((region.name, a, data[:, a:b].copy()))
            mask[run[0]:run[-1] + 1] = True

    def rollback(self) -> None:
        for name, off, original in reversed(self.saved):
            self.arrays[name][:, off:off + original.shape[1]] = original
        self.discard()

    def discard(self) -> None:
        for name, off, original in self.saved:
            self.mask[name][off // CHUNK:-(-(off + original.shape[1]) // CHUNK)] = False
        self.saved = []


class BatchMemory:
    """The memories of B samples. Values passed to writes carry the sample axis first."""

    def __init__(self, target: Target, batch: int = 1, _arrays=None, _snapshot=None):
        self.target, self.batch = target, batch
        if _arrays is None:
            _arrays = {r.name: np.zeros((batch, r.size), np.uint8) for r in target.regions}
            _snapshot = _Snapshot(_arrays, target)
        self._arrays, self._snapshot = _arrays, _snapshot

    def rows(self, lo: int, hi: int) -> BatchMemory:
        """Samples [lo, hi) as a BatchMemory sharing these arrays and their snapshot."""
        return BatchMemory(self.target, hi - lo, {k: a[lo:hi] for k, a in self._arrays.items()},
                           self._snapshot)

    def sample(self, i: int) -> Memory:
        return Memory(self.target, _batch=self.rows(i, i + 1))

    # -- snapshots ----------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Make the current contents the state that `rollback()` returns to."""
        self._snapshot.discard()
        self._snapshot.tracking = True

    def rollback(self) -> None:
        self._snapshot.rollback()

    # -- raw access ---------------------------------------------------------------------------
    def _locate(self, addr: int, span: int) -> tuple[Region, np.ndarray, int]:
        region = self.target.region(addr, span)
        if region is None:
            raise StreamError(f"access 0x{addr:08x}..0x{addr + span:08x} is outside the "
                              f"memory map")
        return region, self._arrays[region.name], addr - region.base

    def read(self, addr: int, nbytes: int) -> np.ndarray:
        """A uint8 copy [B, nbytes] of [addr, addr+nbytes)."""
        _, data, off = self._locate(addr, nbytes)
        return data[:, off:off + nbytes].copy()

    def write(self, addr: int, values: np.ndarray) -> None:
        """Write each sample's values[i] raw (C-order) bytes at addr; values is [B, ...], or
        bytes for the same bytes in every sample."""
        if isinstance(values, (bytes, bytearray, memoryview)):
            raw = np.frombuffer(values, np.uint8)[None, :]
        else:
            values = np.ascontiguousarray(values)
            raw = values.reshape(values.shape[0], -1).view(np.uint8)
        region, data, off = self._locate(addr, raw.shape[1])
        self._snapshot.will_write(region, off, raw.shape[1])
        data[:, off:off + raw.shape[1]] = raw

    # -- 2-D strided access -------------------------------------------------------------------
    def view(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        """A no-copy [B, rows, cols] view of elements of `dtype` whose rows start `stride`
        bytes apart. Callers must not write through it (that would bypass checkpointing)."""
        dtype = np.dtype(dtype).newbyteorder("<")
        if rows == 0 or cols == 0:
            return np.zeros((self.batch, rows, cols), dtype)
        span = (rows - 1) * stride + cols * dtype.itemsize
        _, data, off = self._locate(addr, span)
        return _strided(data, off, (self.batch, rows, cols), stride, dtype)

    def read2d(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        return self.view(addr, rows, cols, stride, dtype).copy()

    def write2d(self, addr: int, values: np.ndarray, stride: int) -> None:
        """Write [B, rows, cols] values row by row, rows `stride` bytes apart (dtype taken from
        values, little-endian). Rows that overlap are written in order, so the last row wins."""
        values = np.asarray(values)
        _, rows, cols = values.shape
        if rows == 0 or cols == 0:
            return
        dtype = values.dtype.newbyteorder("<")
        row_bytes = cols * dtype.itemsize
        span = (rows - 1) * stride + row_bytes
        region, data, off = self._locate(addr, span)
        self._snapshot.will_write(region, off, span)
        if rows > 1 and stride < row_bytes:
            # Overlapping rows: numpy gives no ordering guarantee for self-overlapping views.
            for r in range(rows):
                data[:, off + r * stride:off + r * stride + row_bytes] = \
                    np.ascontiguousarray(values[:, r], dtype).view(np.uint8)
            return
        _strided(data, off, (self.batch, rows, cols), stride, dtype)[...] = values

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
                row = source[:, r].copy()
                self.write2d(dst + r * dst_stride, row[:, None, :], row_bytes)
            return
        self.write2d(dst, source, dst_stride)


def _strided(data: np.ndarray, off: int, shape: tuple[int, int, int], stride: int, dtype) -> np.ndarray:
    """[B, rows, cols] elements of `dtype` starting at byte `off` of each row of `data` (a
    [B, size] uint8 array, or a row slice of one), rows `stride` bytes apart."""
    root = data if data.base is None else data.base
    start = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(shape, dtype, buffer=root, offset=start + off,
                      strides=(data.strides[0], stride, dtype.itemsize))


class Memory:
    """One sample's memories: [rows, cols] views and writes without a sample axis."""

    def __init__(self, target: Target, _batch: BatchMemory | None = None):
        self.target = target
        self._batch = _batch if _batch is not None else BatchMemory(target, 1)

    def as_batch(self) -> BatchMemory:
        """This sample as a batch of one, for kernels written for BatchMemory."""
        return self._batch

    def checkpoint(self) -> None:
        self._batch.checkpoint()

    def rollback(self) -> None:
        self._batch.rollback()

    def read(self, addr: int, nbytes: int) -> np.ndarray:
        """A uint8 copy of [addr, addr+nbytes)."""
        return self._batch.read(addr, nbytes)[0]

    def write(self, addr: int, values) -> None:
        """Write bytes, or any numpy array's raw (C-order) bytes, at addr."""
        raw = np.frombuffer(values if isinstance(values, (bytes, bytearray, memoryview))
                            else np.ascontiguousarray(values).tobytes(), np.uint8)
        self._batch.write(addr, raw[None, :])

    def view(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        """A no-copy [rows, cols] view (see BatchMemory.view)."""
        return self._batch.view(addr, rows, cols, stride, dtype)[0]

    def read2d(self, addr: int, rows: int, cols: int, stride: int, dtype=np.int8) -> np.ndarray:
        return self.view(addr, rows, cols, stride, dtype).copy()

    def write2d(self, addr: int, values: np.ndarray, stride: int) -> None:
        self._batch.write2d(addr, np.asarray(values)[None], stride)

    def copy2d(self, src: int, dst: int, rows: int, row_bytes: int, src_stride: int,
               dst_stride: int) -> None:
        self._batch.copy2d(src, dst, rows, row_bytes, src_stride, dst_stride)
