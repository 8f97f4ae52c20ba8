"""What each command touches and how much work it is, derived from its fields alone.

The validator uses the byte ranges to check the memory map before anything runs, and the
executor uses the same numbers for the byte counters, so the two can never disagree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .stream import ACCUMULATE, Command, Op


@dataclass(frozen=True)
class Access:
    field: str  # the address field, for error messages ("in_addr", "params_addr", ...)
    write: bool
    addr: int
    span: int  # from addr to one past the last byte touched (0: nothing touched)
    nbytes: int  # bytes actually transferred, for the counters


def strided(field: str, write: bool, addr: int, rows: int, row_bytes: int,
            stride: int) -> Access:
    if rows == 0 or row_bytes == 0:
        return Access(field, write, addr, 0, 0)
    return Access(field, write, addr, (rows - 1) * stride + row_bytes, rows * row_bytes)


def flat(field: str, write: bool, addr: int, nbytes: int) -> Access:
    return Access(field, write, addr, nbytes, nbytes)


def transpose_dims(f: dict) -> tuple[list[int], list[int]]:
    rank = f["rank"]
    return [f[f"d{i}"] for i in range(rank)], [f[f"p{i}"] for i in range(rank)]


def accesses(cmd: Command, imc_shape: tuple[int, int] | None, weight_bits: int = 8) -> list[Access]:
    """Every byte range `cmd` reads or writes. IMC_MVM needs the (rows, cols) of the matrix
    programmed last on the issuing core; IMC_PROGRAM its array's weight bits (packed weights)."""
    f, op = cmd.fields, cmd.op
    if op is Op.DMA:
        return [strided("src", False, f["src"], f["rows"], f["row_bytes"], f["src_stride"]),
                strided("dst", True, f["dst"], f["rows"], f["row_bytes"], f["dst_stride"])]
    if op in (Op.SIGNAL, Op.WAIT, Op.IMC_MODE):
        return []
    if op is Op.IMC_PROGRAM:
        return [flat("src", False, f["src"], -(-f["rows"] * f["cols"] * weight_bits // 8))]
    if op is Op.IMC_MVM:
        rows, cols = imc_shape
        result = [strided("in_addr", False, f["in_addr"], f["m"], rows, f["in_stride"])]
        writes = [True]
        if cmd.has(ACCUMULATE):  # the previous partial sums are read back
            writes.insert(0, False)
        return result + [strided("out_addr", w, f["out_addr"], f["m"], 4 * cols,
                                 f["out_stride"]) for w in writes]
    if op is Op.DPU_REQUANT:
        return [strided("in_addr", False, f["in_addr"], f["m"], 4 * f["c"], f["in_stride"]),
                flat("params_addr", False, f["params_addr"], 12 * f["c"]),
                strided("out_addr", True, f["out_addr"], f["m"], f["c"], f["out_stride"])]
    if op in (Op.DPU_ADD, Op.DPU_MUL):
        n = f["n"]
        return [flat("a_addr", False, f["a_addr"], n),
                flat("b_addr", False, f["b_addr"], f["b_len"] if n else 0),
                flat("out_addr", True, f["out_addr"], n)]
    if op is Op.DPU_RESCALE:
        return [flat("in_addr", False, f["in_addr"], f["n"]),
                flat("out_addr", True, f["out_addr"], f["n"])]
    if op is Op.DPU_TRANSPOSE:
        n = math.prod(transpose_dims(f)[0])
        return [flat("in_addr", False, f["in_addr"], n), flat("out_addr", True, f["out_addr"], n)]
    # Windowed NHWC operations read the whole input feature map.
    result = [flat("in_addr", False, f["in_addr"], f["h"] * f["w"] * f["c"])]
    if op is Op.DPU_IM2COL:
        row = f["kh"] * f["kw"] * f["c"]
        return result + [flat("out_addr", True, f["out_addr"], f["n_rows"] * row)]
    out_pixels = f["out_h"] * f["out_w"] * f["c"]
    if op is Op.DPU_DWCONV:
        return result + [flat("w_addr", False, f["w_addr"], f["kh"] * f["kw"] * f["c"]),
                         flat("out_addr", True, f["out_addr"], 4 * out_pixels)]
    return result + [flat("out_addr", True, f["out_addr"], out_pixels)]  # MAXPOOL, AVGPOOL


def dpu_work(cmd: Command) -> int:
    """Elements a DPU command produces, times kh*kw for the window reductions (the doc's
    "work"). IM2COL's output already contains the kh*kw factor, so it is not applied twice."""
    f, op = cmd.fields, cmd.op
    if op is Op.DPU_IM2COL:
        return f["n_rows"] * f["kh"] * f["kw"] * f["c"]
    if op is Op.DPU_REQUANT:
        return f["m"] * f["c"]
    if op in (Op.DPU_ADD, Op.DPU_MUL, Op.DPU_RESCALE):
        return f["n"]
    if op is Op.DPU_TRANSPOSE:
        return math.prod(transpose_dims(f)[0])
    if op in (Op.DPU_MAXPOOL, Op.DPU_AVGPOOL, Op.DPU_DWCONV):
        return f["out_h"] * f["out_w"] * f["c"] * f["kh"] * f["kw"]
    return 0


def window_taps(n_out: int, stride: int, pad: int, dil: int, k: int, size: int) -> np.ndarray:
    """For each output index o < n_out, how many of the k taps o*stride - pad + t*dil
    (t < k) fall inside [0, size)."""
    o = np.arange(n_out, dtype=np.int64)
    start = o * stride - pad
    # first tap t with start + t*dil >= 0, last tap with start + t*dil <= size - 1
    first = np.maximum(0, -(start // dil))
    last = np.minimum(k - 1, (size - 1 - start) // dil)
    return np.maximum(0, last - first + 1)
