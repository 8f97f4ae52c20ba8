"""How a scheduled kernel runs out of memory: which ports stream through the virtual core's L1
in chunks, the largest chunk that fits, and the commands.

A kernel is chunked along its outer loop (rows) when it has one, else along its inner loop; a
port streams when each chunked iteration touches its own contiguous record of `unit` elements
(one element per iteration of an element-wise kernel, one row of a row-wise one), so chunk c
covers records [c * chunk, (c + 1) * chunk) and the kernel's own indices restart at 0 in each
launch. Other ports (tables, per-column parameters) are copied to L1 whole. A one-level loop
with a recurrence (a reduction over the whole loop) is never chunked: its recurrences restart
at every launch; a two-level loop's restart every row anyway.
"""
from __future__ import annotations

from convc.dialects.cgra_dfg import LSU_FNS, Kernel
from convc.engines.base import l1_bytes
from convc.engines.cgra.encode import config_blob
from convc.engines.cgra.scheduler import Schedule
from convc.runtime.units.cgra import CGRA_CONFIGURE, CGRA_LAUNCH
from convc.runtime.units.cgra_config import PORTS


def levels(kernel: Kernel) -> int:
    """Iterations of the loop that chunks split."""
    return kernel.inner if kernel.outer == 1 else kernel.outer


def stream_unit(kernel: Kernel, port: int, count: int) -> int | None:
    """Elements of the port each chunked iteration owns, or None if the port stays whole."""
    users = [n for n in kernel.nodes if n.fn in LSU_FNS and n.port == port]
    if not users or any(n.fn == "gather" for n in users):
        return None
    if kernel.outer == 1:
        unit = users[0].stride
        owns = all(n.fn != "store_last" and n.stride == unit and n.period == 0 and 0 <= n.offset < unit
                   for n in users)
        return unit if owns and count == kernel.inner * unit else None
    unit = users[0].outer_stride
    span = [(min(kernel.inner, n.period) if n.period else kernel.inner) - 1 for n in users]
    owns = unit > 0 and all(n.outer_stride == unit and n.stride >= 0 and n.offset >= 0 and n.offset + n.stride * s < unit
                            for n, s in zip(users, span))
    return unit if owns and count == kernel.outer * unit else None


def chunkable(kernel: Kernel, sizes: list) -> bool:
    recurrent = any(d > 0 for n in kernel.nodes for _, d in n.args)
    written = stream_unit(kernel, len(sizes) - 1, sizes[-1][0]) is not None
    return written and (kernel.outer > 1 or not recurrent)


def buffers(kernel: Kernel, config_bytes: int, sizes: list, chunk: int) -> list[tuple[str, int]]:
    """The L1 working set: the configuration, then each port (whole, or one chunk's records).
    `sizes` are (elements, bytes per element) per port."""
    bufs = [("config", config_bytes)]
    for k, (count, width) in enumerate(sizes):
        unit = stream_unit(kernel, k, count) if chunk < levels(kernel) else None
        bufs.append((f"port{k}", (chunk * unit if unit else count) * width))
    return bufs


def fit_chunk(kernel: Kernel, config_bytes: int, sizes: list, room: int) -> int:
    """The largest chunk (halving from the whole loop) whose working set fits `room` bytes;
    the whole loop if it cannot be chunked (the caller checks that it fits)."""
    chunk = levels(kernel)
    if not chunkable(kernel, sizes):
        return chunk
    while chunk > 1 and l1_bytes(buffers(kernel, config_bytes, sizes, chunk)) > room:
        chunk = (chunk + 1) // 2
    return chunk


def emit_kernel(em, state: dict, kernel: Kernel, sched: Schedule, config_src: int, sources: list, sizes: list,
                chunk: int) -> None:
    """Commands running `kernel` over ports at `sources` (the last one written): load the
    configuration unless the core holds it (`state`), copy whole ports, then per chunk copy the
    streamed inputs in, launch, and copy the streamed output back."""
    blob = config_blob(kernel, sched)
    if state.get("config") != blob:  # the same configuration stays loaded
        em.copy(config_src, em.l1("config"), len(blob))
        em.cmd(CGRA_CONFIGURE, src=em.l1("config"), words=len(blob) // 4, ii=sched.ii, length=sched.length)
        state["config"] = blob
    out = len(sizes) - 1
    total = levels(kernel)
    units = [stream_unit(kernel, k, count) for k, (count, _) in enumerate(sizes)]
    for k in range(out):
        if not units[k]:
            em.copy(sources[k], em.l1(f"port{k}"), sizes[k][0] * sizes[k][1])
    for first in range(0, total, chunk):
        size = min(chunk, total - first)
        windows = []
        for k, (count, width) in enumerate(sizes):
            unit = units[k]
            nbytes = (size * unit if unit else count) * width
            if unit and k < out:
                em.copy(sources[k] + first * unit * width, em.l1(f"port{k}"), nbytes)
            windows.append((em.l1(f"port{k}"), nbytes))
        windows += [(0, 0)] * (PORTS - len(windows))
        fields = {f"p{k}": a for k, (a, _) in enumerate(windows)} | {f"n{k}": n for k, (_, n) in enumerate(windows)}
        outer, inner = (size, kernel.inner) if kernel.outer > 1 else (1, size)
        em.cmd(CGRA_LAUNCH, 1 << out, outer=outer, inner=inner, **fields)
        if units[out]:
            width = sizes[out][1]
            em.copy(em.l1(f"port{out}"), sources[out] + first * units[out] * width, size * units[out] * width)
    if not units[out]:
        em.copy(em.l1(f"port{out}"), sources[out], sizes[out][0] * sizes[out][1])
