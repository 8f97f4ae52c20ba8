"""The integer vector operations both the DPU and the host execute: one table of word layouts,
field checks, byte ranges, work and kernels (kernels.py), from which units/dpu.py builds the
DPU_* opcodes and units/host.py the HOST_* ones. Sharing the table, not copying it, keeps the
two bit-identical and makes their layouts, validation and accounting agree by construction.

Feature maps are NHWC with N = 1, int8.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .. import kernels, kernels_rows
from ..geometry import Access, flat, strided
from ..kernels import COUNT_INCLUDE_PAD, RESIZE_BILINEAR, transpose_dims
from .base import Opcode

# Window coordinates (o*stride - pad + t*dil) are computed in int64; keeping every term
# below 2^31 makes overflow impossible and rules out only absurd geometries.
COORD_LIMIT = 1 << 31


@dataclass(frozen=True)
class VectorOp:
    name: str  # "im2col": DPU_IM2COL and HOST_IM2COL, and an entry of a DPU's `ops`
    offset: int  # opcode = the unit's first vector opcode + offset
    layout: str  # the doc's word list, "(i32)" marking signed words
    check: Callable[[dict, int], str | None]  # (fields, flags) -> problem
    accesses: Callable[[dict], list[Access]]
    work: Callable[[dict], int]  # elements produced, times kh*kw for window reductions
    kernel: Callable  # kernels.<name>(memory, fields, flags)
    flag_names: dict[int, str] | None = None
    since_minor: int = 0  # format 1.x that added the operation (the unit's own minor if later)
    # 64-bit divisions (and square roots) in the work: a DPU has a divider, a scalar host
    # pays for each in software (host.cycles_per_division)
    divisions: Callable[[dict], int] = lambda f: 0

    def opcode(self, first_code: int, prefix: str, unit: str, since_minor: int) -> Opcode:
        return Opcode.from_layout(first_code + self.offset, prefix + self.name.upper(),
                                  self.layout, unit, self.flag_names,
                                  max(since_minor, self.since_minor))


# -- field checks: each returns why the fields make no sense, or None ---------------------------

def _shift(f, flags):
    return None if 1 <= f["shift"] <= 62 else f"has shift {f['shift']} outside [1, 62]"


def _broadcast(f, flags):
    return "has b_len 0" if f["n"] and not f["b_len"] else None


def _clamp(f, flags):
    if -128 <= f["clamp_min"] <= f["clamp_max"] <= 127:
        return None
    return f"has clamp range [{f['clamp_min']}, {f['clamp_max']}] outside int8 or empty"


def _window(f, flags):
    dil_h, dil_w = (f["dil_h"], f["dil_w"]) if "dil_h" in f else (1, 1)
    if min(f["kh"], f["kw"], f["stride_h"], f["stride_w"], dil_h, dil_w) < 1:
        return "has a zero kernel size, stride or dilation"
    for o, s, p, k, d, n in ((f["out_h"], f["stride_h"], f["pad_top"], f["kh"], dil_h, f["h"]),
                             (f["out_w"], f["stride_w"], f["pad_left"], f["kw"], dil_w, f["w"])):
        if max(o * s + (k - 1) * d, p, n) >= COORD_LIMIT:
            return "has window coordinates beyond 2^31"
    return None


def _patch_rows(f, flags):
    if f["row_start"] + f["n_rows"] > f["out_h"] * f["out_w"]:
        return (f"writes patch rows {f['row_start']}..{f['row_start'] + f['n_rows']} of a "
                f"{f['out_h']}x{f['out_w']} output")
    if not -128 <= f["pad_value"] <= 127:
        return f"has pad_value {f['pad_value']} outside int8"
    return None


def _avgpool_shift(f, flags):
    if 0 <= f["shift"] <= 62 and (f["kh"] * f["kw"]) << f["shift"] < 1 << 63:
        return None
    return f"has shift {f['shift']}: (kh*kw) << shift must stay below 2^63"


def _first_empty_window(n_out: int, stride: int, pad: int, k: int, size: int) -> int | None:
    """The first output index whose window o*stride - pad + [0, k) misses [0, size), if any.
    Window starts grow with o, so only the first outputs (pad >= k) or the outputs from
    ceil((size + pad) / stride) on can miss: no need to look at every window."""
    if n_out == 0:
        return None
    if size == 0 or pad >= k:
        return 0
    first_past_end = -(-(size + pad) // stride)
    return first_past_end if first_past_end < n_out else None


def _pool_windows(f, flags):
    """Pools need at least one real input pixel in every window."""
    if not f["out_h"] * f["out_w"] * f["c"]:
        return None
    for axis, o, s, p, k, n in (("row", f["out_h"], f["stride_h"], f["pad_top"], f["kh"], f["h"]),
                                ("column", f["out_w"], f["stride_w"], f["pad_left"], f["kw"],
                                 f["w"])):
        empty = _first_empty_window(o, s, p, k, n)
        if empty is not None:
            return f"has output {axis} {empty} whose window lies entirely in padding"
    return None


def _avgpool_windows(f, flags):
    return None if flags & COUNT_INCLUDE_PAD else _pool_windows(f, flags)  # padding adds 0


def _transpose(f, flags):
    rank = f["rank"]
    if not 1 <= rank <= 4:
        return f"has rank {rank} outside [1, 4]"
    if any(f[f"d{i}"] != 1 or f[f"p{i}"] != i for i in range(rank, 4)):
        return "has unused dims that are not 1 or unused perm entries that are not identity"
    if sorted(transpose_dims(f)[1]) != list(range(rank)):
        return f"has perm {transpose_dims(f)[1]}, not a permutation of 0..{rank - 1}"
    return None


def _resize(f, flags):
    """TOSA's scale and offset limits; they also keep acc * mult below 2^63 (|v| < 2^8,
    weights < 2^22, mult < 2^31) and coordinates below 2^31."""
    for axis, n, d, off, out in (("y", f["scale_y_n"], f["scale_y_d"], f["offset_y"], f["out_h"]),
                                 ("x", f["scale_x_n"], f["scale_x_d"], f["offset_x"], f["out_w"])):
        if not (0 < n <= 2048 and 0 < d < 16 * n and -n <= off < 16 * n):
            return f"has {axis} scale {n}/{d} and offset {off} outside TOSA's limits"
        if out * d + off >= COORD_LIMIT:
            return f"has {axis} coordinates beyond 2^31"
    if (f["out_h"] * f["out_w"] * f["c"]) and not (f["h"] and f["w"]):
        return "resizes an empty input to a non-empty output"
    if flags & RESIZE_BILINEAR:
        return all_of(_shift, _clamp)(f, flags)
    return None


def _softmax(f, flags):
    if not (1 <= f["shift"] <= 30 and f["len"] < 1 << 17):
        return f"has shift {f['shift']} or len {f['len']}: needs shift in [1, 30] and len < 2^17"
    if not f["mult"] > 0:
        return f"has mult {f['mult']}: must be positive"
    return _clamp(f, flags)


def _log_softmax(f, flags):
    if not (1 <= f["shift"] <= 62 and 0 < f["mult"] and f["step"] < 1 << 22 and f["len"] < 1 << 16):
        return (f"has shift {f['shift']}, mult {f['mult']}, step {f['step']} or len {f['len']}: needs shift in "
                f"[1, 62], mult > 0, step < 2^22 and len < 2^16")
    return _clamp(f, flags)


def _layernorm(f, flags):
    if not (0 <= f["shift"] <= 30 and 0 <= f["sqrt_shift"] <= 16 and f["len"] < 1 << 14):
        return (f"has shift {f['shift']}, sqrt_shift {f['sqrt_shift']} or len {f['len']}: needs shift in "
                f"[0, 30], sqrt_shift in [0, 16] and len < 2^14")
    if not -128 <= f["in_zp"] <= 127:
        return f"has in_zp {f['in_zp']} outside int8"
    return _clamp(f, flags)


def _batch_matmul(f, flags):
    if f["k"] >= 1 << 15:
        return f"has k {f['k']}: needs k < 2^15 (accumulators below 2^31)"
    if not (-128 <= f["a_zp"] <= 127 and -128 <= f["b_zp"] <= 127):
        return f"has zero points {f['a_zp']}, {f['b_zp']} outside int8"
    return all_of(_shift, _clamp)(f, flags)


def all_of(*checks):
    def check(f, flags):
        for c in checks:
            problem = c(f, flags)
            if problem:
                return problem
        return None
    return check


# -- byte ranges and work -------------------------------------------------------------------

def _feature_map(f) -> Access:  # windowed operations read the whole input feature map
    return flat("in_addr", False, f["in_addr"], f["h"] * f["w"] * f["c"])


def _pooled(f) -> int:
    return f["out_h"] * f["out_w"] * f["c"]


def _elementwise(f):
    return [flat("a_addr", False, f["a_addr"], f["n"]),
            flat("b_addr", False, f["b_addr"], f["b_len"] if f["n"] else 0),
            flat("out_addr", True, f["out_addr"], f["n"])]


def _transposed(f) -> int:
    return math.prod(transpose_dims(f)[0])


POOL_GEOMETRY = "in_addr h w c kh kw stride_h stride_w pad_top pad_left out_h out_w out_addr"
RESULT = "out_zp(i32) clamp_min(i32) clamp_max(i32)"

VECTOR_OPS = (
    VectorOp("im2col", 0,
             "in_addr h w c kh kw stride_h stride_w pad_top pad_left dil_h dil_w pad_value(i32) "
             "out_addr row_start n_rows out_h out_w",
             all_of(_window, _patch_rows),
             lambda f: [_feature_map(f), flat("out_addr", True, f["out_addr"],
                                              f["n_rows"] * f["kh"] * f["kw"] * f["c"])],
             # the output already holds the kh*kw factor, so it is not applied twice
             lambda f: f["n_rows"] * f["kh"] * f["kw"] * f["c"], kernels.im2col),
    VectorOp("requant", 1,
             f"in_addr in_stride out_addr out_stride m c params_addr {RESULT}", _clamp,
             lambda f: [strided("in_addr", False, f["in_addr"], f["m"], 4 * f["c"], f["in_stride"]),
                        flat("params_addr", False, f["params_addr"], 12 * f["c"]),
                        strided("out_addr", True, f["out_addr"], f["m"], f["c"], f["out_stride"])],
             lambda f: f["m"] * f["c"], kernels.requant),
    VectorOp("add", 2,
             f"a_addr b_addr out_addr n b_len a_zp(i32) a_mult(i32) b_zp(i32) b_mult(i32) shift "
             f"{RESULT}", all_of(_shift, _broadcast, _clamp), _elementwise,
             lambda f: f["n"], kernels.add),
    VectorOp("mul", 3,
             f"a_addr b_addr out_addr n b_len a_zp(i32) b_zp(i32) mult(i32) shift {RESULT}",
             all_of(_shift, _broadcast, _clamp), _elementwise, lambda f: f["n"], kernels.mul),
    VectorOp("maxpool", 4, POOL_GEOMETRY, all_of(_window, _pool_windows),
             lambda f: [_feature_map(f), flat("out_addr", True, f["out_addr"], _pooled(f))],
             lambda f: _pooled(f) * f["kh"] * f["kw"], kernels.maxpool),
    VectorOp("avgpool", 5, f"{POOL_GEOMETRY} in_zp(i32) mult(i32) shift {RESULT}",
             all_of(_clamp, _window, _avgpool_shift, _avgpool_windows),
             lambda f: [_feature_map(f), flat("out_addr", True, f["out_addr"], _pooled(f))],
             lambda f: _pooled(f) * f["kh"] * f["kw"], kernels.avgpool,
             {COUNT_INCLUDE_PAD: "incpad"}),
    VectorOp("dwconv", 6,
             "in_addr h w c kh kw stride_h stride_w pad_top pad_left dil_h dil_w out_h out_w "
             "in_zp(i32) w_addr out_addr", _window,
             lambda f: [_feature_map(f),
                        flat("w_addr", False, f["w_addr"], f["kh"] * f["kw"] * f["c"]),
                        flat("out_addr", True, f["out_addr"], 4 * _pooled(f))],
             lambda f: _pooled(f) * f["kh"] * f["kw"], kernels.dwconv),
    VectorOp("transpose", 7, "in_addr out_addr rank d0 d1 d2 d3 p0 p1 p2 p3", _transpose,
             lambda f: [flat("in_addr", False, f["in_addr"], _transposed(f)),
                        flat("out_addr", True, f["out_addr"], _transposed(f))],
             _transposed, kernels.transpose),
    VectorOp("rescale", 8, f"in_addr out_addr n in_zp(i32) mult(i32) shift {RESULT}",
             all_of(_shift, _clamp),
             lambda f: [flat("in_addr", False, f["in_addr"], f["n"]),
                        flat("out_addr", True, f["out_addr"], f["n"])],
             lambda f: f["n"], kernels.rescale),
    # A 256-entry table applies any function of one int8 code (sigmoid, GELU, ...); format 1.4.
    VectorOp("lut", 9, "in_addr table_addr out_addr n", lambda f, flags: None,
             lambda f: [flat("in_addr", False, f["in_addr"], f["n"]),
                        flat("table_addr", False, f["table_addr"], 256 if f["n"] else 0),
                        flat("out_addr", True, f["out_addr"], f["n"])],
             lambda f: f["n"], kernels.lut, since_minor=4),
    # Nearest and bilinear upsampling with TOSA's integer coordinates; format 1.5.
    VectorOp("resize", 10,
             "in_addr h w c out_h out_w scale_y_n scale_y_d scale_x_n scale_x_d offset_y(i32) "
             f"offset_x(i32) out_addr in_zp(i32) mult(i32) shift {RESULT}", _resize,
             lambda f: [_feature_map(f), flat("out_addr", True, f["out_addr"], _pooled(f))],
             lambda f: _pooled(f), kernels.resize, {RESIZE_BILINEAR: "bilinear"}, since_minor=5),
    # Softmax over rows, the exponential as a table; format 1.6.
    VectorOp("softmax", 11, f"in_addr table_addr out_addr rows len mult(i32) shift {RESULT}", _softmax,
             lambda f: [flat("in_addr", False, f["in_addr"], f["rows"] * f["len"]),
                        flat("table_addr", False, f["table_addr"], 1024 if f["rows"] * f["len"] else 0),
                        flat("out_addr", True, f["out_addr"], f["rows"] * f["len"])],
             lambda f: 3 * f["rows"] * f["len"], kernels_rows.softmax, since_minor=6,
             divisions=lambda f: f["rows"] * f["len"]),
    # Layer normalisation over rows with an integer square root; format 1.7.
    VectorOp("layernorm", 12,
             f"in_addr params_addr out_addr rows len in_zp(i32) shift sqrt_shift {RESULT}", _layernorm,
             lambda f: [flat("in_addr", False, f["in_addr"], f["rows"] * f["len"]),
                        flat("params_addr", False, f["params_addr"], 8 + 8 * f["len"] if f["rows"] else 0),
                        flat("out_addr", True, f["out_addr"], f["rows"] * f["len"])],
             lambda f: 4 * f["rows"] * f["len"], kernels_rows.layernorm, since_minor=7,
             divisions=lambda f: f["rows"] * f["len"] + f["rows"]),
    # A product of two activations (attention); format 1.7.
    VectorOp("batch_matmul", 13,
             f"a_addr b_addr out_addr batch m k n a_zp(i32) b_zp(i32) mult(i32) shift {RESULT}", _batch_matmul,
             lambda f: [flat("a_addr", False, f["a_addr"], f["batch"] * f["m"] * f["k"] if f["n"] else 0),
                        flat("b_addr", False, f["b_addr"], f["batch"] * f["k"] * f["n"] if f["m"] else 0),
                        flat("out_addr", True, f["out_addr"], f["batch"] * f["m"] * f["n"])],
             lambda f: f["batch"] * f["m"] * f["n"] * max(1, f["k"]), kernels_rows.batch_matmul, since_minor=7),
    # Log-softmax over rows: the softmax's exponential table, then a logarithm table; format 1.8.
    VectorOp("log_softmax", 14, f"in_addr table_addr out_addr rows len step mult(i32) shift {RESULT}",
             _log_softmax,
             lambda f: [flat("in_addr", False, f["in_addr"], f["rows"] * f["len"]),
                        flat("table_addr", False, f["table_addr"], 2048 if f["rows"] * f["len"] else 0),
                        flat("out_addr", True, f["out_addr"], f["rows"] * f["len"])],
             lambda f: 3 * f["rows"] * f["len"] + f["rows"], kernels_rows.log_softmax, since_minor=8),
)
VECTOR_OP_NAMES = tuple(op.name for op in VECTOR_OPS)


def vector_opcodes(first_code: int, prefix: str, unit: str,
                   since_minor: int = 0) -> dict[Opcode, VectorOp]:
    """The table as one unit's opcodes: {opcode: its VectorOp}."""
    return {op.opcode(first_code, prefix, unit, since_minor): op for op in VECTOR_OPS}
