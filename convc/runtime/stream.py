"""Encoder and decoder of the binary command stream (docs/command-stream.md).

The compiler builds a `Stream` of `Command`s and calls `encode()`; the runtime calls
`Stream.decode()`, which checks everything that can be checked without a target file. Geometry
and memory-map checks need the target and live in `validate.py`. Opcodes and their word
layouts belong to the units (units/): this module only frames them.
"""
from __future__ import annotations

import json
import math
import operator
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from . import units
from .errors import StreamError
from .kernels import ACCUMULATE, COUNT_INCLUDE_PAD, RESIZE_BILINEAR
from .units import Opcode

__all__ = ["ACCUMULATE", "COUNT_INCLUDE_PAD", "RESIZE_BILINEAR", "FIELDS", "FLAG_NAMES", "SIGNED", "Command",
           "DataSegment", "IOTensor", "Op", "Opcode", "Stream", "StreamError", "make_meta"]

MAGIC = b"CVCS"
VERSION_MAJOR = 1
# 1.1 added IMC_MODE; 1.2 packs narrow weights for IMC_PROGRAM; 1.3 added the HOST_* opcodes;
# 1.4 DPU_LUT/HOST_LUT; 1.5 DPU_RESIZE/HOST_RESIZE; 1.6 DPU_SOFTMAX/HOST_SOFTMAX; 1.7 DPU_LAYERNORM/HOST_LAYERNORM, DPU_BATCH_MATMUL/HOST_BATCH_MATMUL;
# 1.8 DPU_LOG_SOFTMAX/HOST_LOG_SOFTMAX; 1.9 AIMC_PROGRAM/AIMC_MVM (analog arrays); 1.10 CGRA_CONFIGURE/CGRA_LAUNCH;
# 1.11 SNN_LIF (spiking layers)
# 1.12 SNN_LIF_CONV (convolutional spiking layers); 1.13 SNN_RATE_ENCODE (seeded spike trains)
VERSION_MINOR = 13
HEADER = struct.Struct("<4sHHIII")  # magic, major, minor, payload_size, crc32, section_count
SECTION_HEADER = struct.Struct("<II")  # kind, size
IO_FIXED = struct.Struct("<BBBBIdi")  # direction, dtype, rank, reserved, addr, scale, zero_point
COMMAND_HEADER = struct.Struct("<BBH")  # opcode, flags, nwords

U32_MAX = (1 << 32) - 1
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
META_KEYS = {"target": str, "cores": int, "model": str, "producer": str}
DTYPE_INT8 = 1


class Section(IntEnum):
    META = 1
    IO = 2
    DATA = 3
    QUEUE = 4


class OpcodeNamespace:
    """`Op.DMA`, `Op.IMC_PROGRAM`, `Op(0x11)`, `for op in Op`: the registered opcodes of all
    units (units/__init__.py), looked up when used, so units registered later are found too.
    It replaces the former `Op` IntEnum; its members are `Opcode`s (`.name`, `int(op)`)."""

    def __getattr__(self, name: str) -> Opcode:
        op = units.opcode_named(name)
        if op is None:
            raise AttributeError(f"no registered unit has an opcode {name}")
        return op

    def __call__(self, op: Opcode | int) -> Opcode:
        """The registered opcode for an Opcode or a code (ValueError for anything else)."""
        found = units.opcode(op.code if isinstance(op, Opcode) else op)
        if found is None or (isinstance(op, Opcode) and found is not op):
            raise ValueError(f"{op!r} is not a registered opcode")
        return found

    def __iter__(self):
        return iter(units.opcodes())

    def __dir__(self):
        return [op.name for op in units.opcodes()]


Op = OpcodeNamespace()


class OpcodeTable(Mapping):
    """A read-only {opcode: attribute} view of the registry: FIELDS[op], SIGNED[op]..."""

    def __init__(self, attribute: str):
        self.attribute = attribute

    def __getitem__(self, op: Opcode):
        try:
            return getattr(Op(op), self.attribute)
        except ValueError:
            raise KeyError(op) from None

    def __iter__(self):
        return iter(units.opcodes())

    def __len__(self) -> int:
        return len(units.opcodes())


FIELDS = OpcodeTable("fields")
SIGNED = OpcodeTable("signed")
FLAG_NAMES = OpcodeTable("flag_names")


def _is_hex_field(name: str) -> bool:
    return name.endswith(("addr", "src", "dst"))


def _as_int(value):
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        return value  # rejected with a clear message by Command.check()
    return operator.index(value)


def _field_range(op: Opcode, name: str) -> tuple[int, int]:
    return (I32_MIN, I32_MAX) if name in op.signed else (0, U32_MAX)


@dataclass
class Command:
    op: Opcode
    fields: dict[str, int]
    flags: int = 0

    @classmethod
    def make(cls, op: Opcode | int, flags: int = 0, **fields: int) -> "Command":
        # Accept numpy integers etc. (anything with __index__), stored as plain ints so that
        # a decoded command compares equal to the one that was made.
        cmd = cls(Op(op), {k: _as_int(v) for k, v in fields.items()}, _as_int(flags))
        cmd.check()
        return cmd

    def check(self) -> None:
        """Raise ValueError unless the command can be encoded exactly as given."""
        expected = self.op.fields
        if set(self.fields) != set(expected):
            missing = [f for f in expected if f not in self.fields]
            extra = sorted(set(self.fields) - set(expected))
            raise ValueError(f"{self.op.name}: missing fields {missing}, unknown fields {extra}")
        for name in expected:
            value = self.fields[name]
            lo, hi = _field_range(self.op, name)
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise ValueError(f"{self.op.name}.{name} = {value!r} is not an integer in "
                                 f"[{lo}, {hi}]")
        allowed = self.op.flag_mask
        if not isinstance(self.flags, int) or self.flags & ~allowed or self.flags < 0:
            raise ValueError(f"{self.op.name}: flags 0x{self.flags:x} not allowed "
                             f"(allowed mask 0x{allowed:x})")

    def __getitem__(self, name: str) -> int:
        return self.fields[name]

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    @property
    def label(self) -> str:
        """Op name plus flag suffixes, e.g. "IMC_MVM.acc"."""
        names = self.op.flag_names
        return self.op.name + "".join(f".{n}" for bit, n in names.items() if self.flags & bit)

    def encode(self) -> bytes:
        self.check()
        words = [self.fields[n] & U32_MAX for n in self.op.fields]
        return COMMAND_HEADER.pack(self.op.code, self.flags, len(words)) + struct.pack(
            f"<{len(words)}I", *words)

    def text(self) -> str:
        parts = []
        for name in self.op.fields:
            v = self.fields[name]
            parts.append(f"{name}=0x{v:08x}" if _is_hex_field(name) else f"{name}={v}")
        return f"{self.label}  " + " ".join(parts)


@dataclass
class IOTensor:
    name: str
    direction: str  # "input" or "output"
    shape: tuple[int, ...]
    addr: int
    scale: float
    zero_point: int
    dtype: str = "int8"

    def __post_init__(self):
        # Normalise so that a decoded stream compares equal to the one that was encoded.
        self.shape = tuple(operator.index(d) for d in self.shape)
        self.addr, self.zero_point = operator.index(self.addr), operator.index(self.zero_point)
        self.scale = float(self.scale)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape)  # int8: one byte per element

    def check(self) -> None:
        """Raise ValueError unless the descriptor is encodable and meaningful."""
        if self.direction not in ("input", "output"):
            raise ValueError(f"io {self.name!r}: direction must be 'input' or 'output'")
        if self.dtype != "int8":
            raise ValueError(f"io {self.name!r}: dtype {self.dtype!r} unsupported (int8 only)")
        if not self.name or len(self.name.encode()) > 0xFFFF:
            raise ValueError(f"io name {self.name!r} must be 1..65535 UTF-8 bytes")
        if len(self.shape) > 255 or not all(0 <= int(d) <= U32_MAX for d in self.shape):
            raise ValueError(f"io {self.name!r}: bad shape {self.shape}")
        if not 0 <= self.addr <= U32_MAX:
            raise ValueError(f"io {self.name!r}: address {self.addr} is not a u32")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"io {self.name!r}: scale {self.scale} must be finite and > 0")
        if not -128 <= self.zero_point <= 127:
            raise ValueError(f"io {self.name!r}: zero_point {self.zero_point} outside int8")


@dataclass
class DataSegment:
    addr: int
    data: bytes

    def __post_init__(self):
        self.addr = operator.index(self.addr)
        if not isinstance(self.data, bytes):  # numpy arrays, bytearrays: store the raw bytes
            tobytes = getattr(self.data, "tobytes", None)
            self.data = tobytes() if tobytes else bytes(self.data)


def make_meta(target: str, cores: int, model: str, producer: str = "convc") -> dict:
    return {"target": target, "cores": cores, "model": model, "producer": producer}


def _align4(n: int) -> int:
    return (n + 3) & ~3


def _pad4(b: bytes) -> bytes:
    return b + bytes(_align4(len(b)) - len(b))


@dataclass
class Stream:
    meta: dict
    io: list[IOTensor] = field(default_factory=list)
    data: list[DataSegment] = field(default_factory=list)
    queues: dict[int, list[Command]] = field(default_factory=dict)

    @property
    def inputs(self) -> list[IOTensor]:
        return [t for t in self.io if t.direction == "input"]

    @property
    def outputs(self) -> list[IOTensor]:
        return [t for t in self.io if t.direction == "output"]

    # -- encoding -----------------------------------------------------------------------------
    def encode(self) -> bytes:
        _check_meta(self.meta, ValueError)
        names = [t.name for t in self.io]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate io tensor names in {names}")
        sections = [(Section.META, json.dumps(self.meta, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode())]
        io = [struct.pack("<I", len(self.io))]
        for t in self.io:
            t.check()
            name = t.name.encode()
            desc = IO_FIXED.pack(t.direction == "output", DTYPE_INT8, len(t.shape), 0, t.addr,
                                 float(t.scale), t.zero_point)
            desc += struct.pack(f"<{len(t.shape)}IH", *t.shape, len(name)) + name
            io.append(_pad4(desc))
        sections.append((Section.IO, b"".join(io)))
        for seg in self.data:
            blob = bytes(seg.data)
            if not 0 <= seg.addr <= U32_MAX or len(blob) > U32_MAX:
                raise ValueError(f"data segment at {seg.addr:#x} does not fit u32 fields")
            sections.append((Section.DATA, struct.pack("<II", seg.addr, len(blob)) + blob))
        for core in sorted(self.queues):  # ascending core order keeps the bytes deterministic
            cmds = self.queues[core]
            if not 0 <= core <= U32_MAX:
                raise ValueError(f"queue core id {core} is not a u32")
            body = b"".join(c.encode() for c in cmds)
            sections.append((Section.QUEUE, struct.pack("<II", core, len(cmds)) + body))
        payload = b"".join(_pad4(SECTION_HEADER.pack(kind, len(p)) + p) for kind, p in sections)
        header = HEADER.pack(MAGIC, VERSION_MAJOR, VERSION_MINOR, len(payload),
                             zlib.crc32(payload), len(sections))
        return header + payload

    # -- decoding -----------------------------------------------------------------------------
    @classmethod
    def decode(cls, blob: bytes, name: str = "stream.bin") -> "Stream":
        return _Decoder(bytes(blob), name).run()

    # -- text dump ----------------------------------------------------------------------------
    def dump_text(self) -> str:
        ncmds = sum(len(q) for q in self.queues.values())
        ndata = sum(len(s.data) for s in self.data)
        lines = [f"convc command stream v{VERSION_MAJOR}.{VERSION_MINOR}: {len(self.io)} io "
                 f"tensors, {len(self.data)} data segments ({ndata} bytes), "
                 f"{len(self.queues)} queues, {ncmds} commands",
                 "meta " + json.dumps(self.meta, sort_keys=True, ensure_ascii=False)]
        for t in self.io:
            shape = ",".join(str(d) for d in t.shape)
            lines.append(f"io   {t.direction:<6} {t.name}  {t.dtype}[{shape}]  addr=0x{t.addr:08x}"
                         f" scale={t.scale!r} zero_point={t.zero_point}")
        for seg in self.data:
            lines.append(f"data addr=0x{seg.addr:08x} size={len(seg.data)}")
        for core in sorted(self.queues):
            for i, cmd in enumerate(self.queues[core]):
                lines.append(f"core {core}  #{i:04d}  {cmd.text()}")
        return "\n".join(lines) + "\n"


def _check_meta(meta, error: type[Exception], where: str = "META") -> None:
    if not isinstance(meta, dict):
        raise error(f"{where} must be a JSON object")
    for key, kind in META_KEYS.items():
        value = meta.get(key)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise error(f"{where} key '{key}' missing or not a {kind.__name__}")


class _Decoder:
    """Walks the blob with explicit bounds checks so that a corrupt file can only ever raise
    StreamError (never struct.error / IndexError / UnicodeDecodeError)."""

    def __init__(self, blob: bytes, name: str):
        self.blob, self.name = blob, name
        self.where = ""

    def fail(self, msg: str):
        raise StreamError(f"{self.name}: {self.where}{msg}")

    def unpack(self, fmt: struct.Struct, off: int, end: int, what: str) -> tuple:
        if off + fmt.size > end:
            self.fail(f"truncated {what} at offset 0x{off:x}")
        return fmt.unpack_from(self.blob, off)

    def run(self) -> Stream:
        blob = self.blob
        if len(blob) < HEADER.size:
            self.fail(f"truncated header ({len(blob)} of {HEADER.size} bytes)")
        magic, major, minor, size, crc, count = HEADER.unpack_from(blob, 0)
        if magic != MAGIC:
            self.fail(f"bad magic {magic!r}, not a convc command stream")
        if major != VERSION_MAJOR:
            self.fail(f"unsupported format version {major}.{minor} (this runtime reads "
                      f"{VERSION_MAJOR}.x)")
        if size != len(blob) - HEADER.size:
            self.fail(f"payload size mismatch: header says {size} bytes, file has "
                      f"{len(blob) - HEADER.size} (truncated or padded file)")
        actual = zlib.crc32(memoryview(blob)[HEADER.size:])
        if crc != actual:
            self.fail(f"CRC-32 mismatch (header 0x{crc:08x}, payload 0x{actual:08x}): "
                      f"the file is corrupt")
        self.minor = minor
        self.meta, self.io, self.data, self.queues = None, None, [], {}
        off, end = HEADER.size, len(blob)
        for index in range(count):
            self.where = ""
            kind, length = self.unpack(SECTION_HEADER, off, end, f"section {index} header")
            body = off + SECTION_HEADER.size
            label = Section(kind).name if kind in Section._value2member_map_ else str(kind)
            self.where = f"section {index} ({label}) at offset 0x{off:x}: "
            if body + length > end:
                self.fail(f"size {length} runs past the end of the file")
            if kind not in Section._value2member_map_:
                self.fail(f"unknown section kind {kind}")
            getattr(self, "section_" + Section(kind).name.lower())(body, body + length)
            off = _align4(body + length)
            if off > end:
                self.fail("missing padding after the section")
        self.where = ""
        if off != end:
            self.fail(f"{end - off} bytes after the last of {count} sections")
        if self.meta is None:
            self.fail("no META section")
        if self.io is None:
            self.fail("no IO section")
        return Stream(self.meta, self.io, self.data, dict(sorted(self.queues.items())))

    def section_meta(self, off: int, end: int) -> None:
        if self.meta is not None:
            self.fail("second META section")
        try:
            meta = json.loads(self.blob[off:end].decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self.fail(f"META is not UTF-8 JSON ({type(e).__name__})")
        _check_meta(meta, StreamError, f"{self.name}: {self.where}META")
        self.meta = meta

    def section_io(self, off: int, end: int) -> None:
        if self.io is not None:
            self.fail("second IO section")
        (count,), off = self.unpack(struct.Struct("<I"), off, end, "IO count"), off + 4
        tensors = []
        for i in range(count):
            start = off
            direction, dtype, rank, _reserved, addr, scale, zp = self.unpack(
                IO_FIXED, off, end, f"IO descriptor {i}")
            off += IO_FIXED.size
            rest = struct.Struct(f"<{rank}IH")
            *dims, name_len = self.unpack(rest, off, end, f"IO descriptor {i}")
            off += rest.size
            if off + name_len > end:
                self.fail(f"truncated name of IO descriptor {i}")
            try:
                name = self.blob[off:off + name_len].decode("utf-8")
            except UnicodeDecodeError:
                self.fail(f"IO descriptor {i} name is not UTF-8")
            off = start + _align4(off + name_len - start)
            if direction > 1:
                self.fail(f"IO descriptor {i} has direction {direction} (0 input, 1 output)")
            if dtype != DTYPE_INT8:
                self.fail(f"IO descriptor {i} ({name!r}) has dtype {dtype} (only 1 = int8)")
            t = IOTensor(name, ("input", "output")[direction], tuple(dims), addr, scale, zp)
            try:
                t.check()
            except ValueError as e:
                self.fail(str(e))
            if any(o.name == name for o in tensors):
                self.fail(f"duplicate IO tensor name {name!r}")
            tensors.append(t)
        if off != end:
            self.fail(f"{end - off} bytes after the {count} IO descriptors")
        self.io = tensors

    def section_data(self, off: int, end: int) -> None:
        addr, size = self.unpack(struct.Struct("<II"), off, end, "DATA header")
        if off + 8 + size != end:
            self.fail(f"DATA says {size} bytes but the section holds {end - off - 8}")
        self.data.append(DataSegment(addr, self.blob[off + 8:end]))

    def section_queue(self, off: int, end: int) -> None:
        core, count = self.unpack(struct.Struct("<II"), off, end, "QUEUE header")
        if core in self.queues:
            self.fail(f"second QUEUE for core {core}")
        off += 8
        cmds = []
        for i in range(count):
            opcode, flags, nwords = self.unpack(COMMAND_HEADER, off, end, f"command {i} of "
                                                f"core {core}")
            op = units.opcode(opcode)
            if op is None:
                self.fail(f"command {i} of core {core} has unknown opcode 0x{opcode:02x}")
            if op.since_minor > self.minor:
                self.fail(f"command {i} of core {core} is {op.name}, which format "
                          f"{VERSION_MAJOR}.{op.since_minor} introduced, in a "
                          f"{VERSION_MAJOR}.{self.minor} stream")
            names = op.fields
            if nwords != len(names):
                self.fail(f"command {i} of core {core} ({op.name}) has nwords {nwords}, "
                          f"{op.name} takes {len(names)}")
            off += COMMAND_HEADER.size
            if off + 4 * nwords > end:
                self.fail(f"command {i} of core {core} ({op.name}) runs past the end of "
                          f"its queue")
            words = struct.unpack_from(f"<{nwords}I", self.blob, off)
            off += 4 * nwords
            signed = op.signed
            fields = {n: (w - (1 << 32) if n in signed and w > I32_MAX else w)
                      for n, w in zip(names, words)}
            if flags & ~op.flag_mask:
                self.fail(f"command {i} of core {core} ({op.name}) has unknown flags "
                          f"0x{flags:02x}")
            cmds.append(Command(op, fields, flags))
        if off != end:
            self.fail(f"{end - off} bytes after the {count} commands of core {core}")
        self.queues[core] = cmds
