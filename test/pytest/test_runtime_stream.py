"""The binary codec (runtime/stream.py): round trips, determinism, and corrupt-input rejection."""
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convc.runtime import (ACCUMULATE, COUNT_INCLUDE_PAD, Command, DataSegment, IOTensor, Op,
                           Stream, StreamBuilder, StreamError, load_target, validate)
from convc.runtime.stream import FIELDS, SIGNED, VERSION_MINOR

THETIS = load_target(Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml")
L1, L2, DRAM = THETIS.l1_base(0), THETIS.l2.base, THETIS.dram.base


def small_stream() -> Stream:
    b = StreamBuilder("thetis", 2, "tiny", producer="test")
    b.input("x", (1, 8), DRAM, 0.25, -3)
    b.output("y", (1, 8), DRAM + 64, 0.5, 7)
    b.data(DRAM + 128, bytes(range(16)))
    b.emit(0, Op.DMA, src=DRAM, dst=L1, rows=1, row_bytes=8, src_stride=8, dst_stride=8)
    b.emit(0, Op.DPU_RESCALE, in_addr=L1, out_addr=L1 + 8, n=8, in_zp=-3, mult=3, shift=2,
           out_zp=7, clamp_min=-128, clamp_max=127)
    b.emit(0, Op.DMA, src=L1 + 8, dst=L2, rows=1, row_bytes=8, src_stride=8, dst_stride=8)
    b.emit(0, Op.SIGNAL, event=0xDEADBEEF)
    b.emit(1, Op.WAIT, event=0xDEADBEEF)
    b.emit(1, Op.DMA, src=L2, dst=DRAM + 64, rows=1, row_bytes=8, src_stride=8, dst_stride=8)
    return b.build()


def refresh_crc(blob: bytes) -> bytes:
    blob = bytearray(blob)
    struct.pack_into("<I", blob, 12, zlib.crc32(blob[20:]))
    return bytes(blob)


def signal_offset(blob: bytes) -> int:
    """Offset of the header of the SIGNAL 0xDEADBEEF command in small_stream()'s bytes."""
    return blob.index(struct.pack("<I", 0xDEADBEEF)) - 4


def test_round_trip_and_determinism():
    s = small_stream()
    blob = s.encode()
    assert blob[:4] == b"CVCS" and struct.unpack_from("<HH", blob, 4) == (1, VERSION_MINOR)
    assert len(blob) % 4 == 0
    decoded = Stream.decode(blob)
    assert decoded == s
    assert decoded.encode() == blob
    # Same content built in a different order (queues, field keywords) -> same bytes.
    s2 = small_stream()
    s2.queues = {1: s2.queues[1], 0: s2.queues[0]}
    s2.queues[0][1] = Command.make(Op.DPU_RESCALE, clamp_max=127, clamp_min=-128, out_zp=7,
                                   shift=2, mult=3, in_zp=-3, n=8, out_addr=L1 + 8, in_addr=L1)
    assert s2.encode() == blob


def test_signed_fields_and_flags_round_trip():
    cmds = [Command.make(Op.DPU_ADD, a_addr=1, b_addr=2, out_addr=3, n=4, b_len=1,
                         a_zp=-(1 << 31), a_mult=-5, b_zp=(1 << 31) - 1, b_mult=7, shift=62,
                         out_zp=-1, clamp_min=-128, clamp_max=127),
            Command.make(Op.IMC_MVM, ACCUMULATE, in_addr=0xFFFFFFFF, in_stride=0, out_addr=5,
                         out_stride=6, m=7),
            Command.make(Op.DPU_AVGPOOL, COUNT_INCLUDE_PAD, **{n: 1 for n in FIELDS[Op.DPU_AVGPOOL]})]
    s = Stream({"target": "thetis", "cores": 1, "model": "m", "producer": "p"}, [], [],
               {3: cmds})
    back = Stream.decode(s.encode())
    assert back.queues[3] == cmds
    assert back.queues[3][0]["a_zp"] == -(1 << 31)


def test_every_opcode_has_documented_field_count():
    expected = {Op.DMA: 6, Op.SIGNAL: 1, Op.WAIT: 1, Op.IMC_PROGRAM: 3, Op.IMC_MVM: 5, Op.IMC_MODE: 2,
                Op.DPU_IM2COL: 18, Op.DPU_REQUANT: 10, Op.DPU_ADD: 13, Op.DPU_MUL: 12,
                Op.DPU_MAXPOOL: 13, Op.DPU_AVGPOOL: 19, Op.DPU_DWCONV: 17,
                Op.DPU_TRANSPOSE: 11, Op.DPU_RESCALE: 9, Op.DPU_LUT: 4,
                Op.DPU_RESIZE: 19, Op.DPU_SOFTMAX: 10, Op.DPU_LAYERNORM: 11, Op.DPU_BATCH_MATMUL: 14,
                Op.DPU_LOG_SOFTMAX: 11, Op.AIMC_PROGRAM: 3, Op.AIMC_MVM: 6,
                Op.CGRA_CONFIGURE: 4, Op.CGRA_LAUNCH: 10, Op.SNN_LIF: 8, Op.SNN_LIF_CONV: 13, Op.SNN_RATE_ENCODE: 7}
    # The host runs every DPU operation with the DPU's layout, plus its own matmul.
    expected |= {getattr(Op, "HOST_" + op.name[4:]): n for op, n in expected.items()
                 if op.unit == "dpu"}
    expected[Op.HOST_MATMUL] = 8
    assert {op: len(FIELDS[op]) for op in Op} == expected
    assert SIGNED[Op.DPU_IM2COL] == {"pad_value"}
    assert SIGNED[Op.DPU_DWCONV] == {"in_zp"}


def test_make_checks_fields():
    with pytest.raises(ValueError, match="missing"):
        Command.make(Op.SIGNAL)
    with pytest.raises(ValueError, match="unknown fields"):
        Command.make(Op.SIGNAL, event=1, extra=2)
    with pytest.raises(ValueError):
        Command.make(Op.SIGNAL, event=-1)  # unsigned
    with pytest.raises(ValueError):
        Command.make(Op.WAIT, event=1 << 32)
    with pytest.raises(ValueError, match="flags"):
        Command.make(Op.SIGNAL, ACCUMULATE, event=1)
    with pytest.raises(ValueError, match="not an integer"):
        Command.make(Op.SIGNAL, event=1.0)
    # numpy integers (as a compiler computes them) are accepted and stored as int
    made = Command.make(Op.DMA, **{n: np.uint32(8) for n in FIELDS[Op.DMA]})
    assert made == Command.make(Op.DMA, **dict.fromkeys(FIELDS[Op.DMA], 8))
    assert all(type(v) is int for v in made.fields.values())
    with pytest.raises(ValueError):
        IOTensor("x", "input", (1,), 0, 0.0, 0).check()  # zero scale


def test_dump_text():
    s = Stream({"target": "thetis", "cores": 2, "model": "m", "producer": "p"},
               [IOTensor("x", "input", (1, 4), DRAM, 0.5, 0)], [DataSegment(DRAM + 16, b"ab")],
               {1: [Command.make(Op.SIGNAL, event=3)] * 7 + [
                   Command.make(Op.IMC_MVM, ACCUMULATE, in_addr=0x10000000, in_stride=576,
                                out_addr=0x10080000, out_stride=256, m=64)]})
    text = Stream.decode(s.encode()).dump_text()
    assert ("core 1  #0007  IMC_MVM.acc  in_addr=0x10000000 in_stride=576 "
            "out_addr=0x10080000 out_stride=256 m=64") in text.splitlines()
    assert "data addr=0x80000010 size=2" in text
    assert text.splitlines()[0].startswith(f"convc command stream v1.{VERSION_MINOR}")
    assert "x  int8[1,4]" in text


def test_bad_magic_version_crc_size():
    blob = small_stream().encode()
    with pytest.raises(StreamError, match="magic"):
        Stream.decode(b"XVCS" + blob[4:])
    with pytest.raises(StreamError, match=f"version 2.{VERSION_MINOR}"):
        Stream.decode(blob[:4] + struct.pack("<H", 2) + blob[6:])
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0x01
    with pytest.raises(StreamError, match="CRC"):
        Stream.decode(bytes(flipped), "model/stream.bin")
    with pytest.raises(StreamError, match="payload size"):
        Stream.decode(blob + b"\0\0\0\0")
    # A minor version bump is accepted.
    assert Stream.decode(blob[:6] + struct.pack("<H", 4) + blob[8:]) == small_stream()


def test_older_minor_versions_decode_without_newer_opcodes():
    """Format 1.2 streams (no HOST_* opcodes) still decode; an opcode newer than the stream's
    minor version is rejected, as a reader of that version would have."""
    blob = small_stream().encode()
    assert Stream.decode(blob[:6] + struct.pack("<H", 2) + blob[8:]) == small_stream()
    s = small_stream()
    s.queues[0].append(Command.make(Op.HOST_RESCALE, **s.queues[0][1].fields))
    blob = s.encode()
    assert Stream.decode(blob).queues[0][-1].op is Op.HOST_RESCALE
    with pytest.raises(StreamError, match=r"command 4 of core 0 is HOST_RESCALE, which format 1\.3 "
                                          r"introduced, in a 1\.2 stream"):
        Stream.decode(blob[:6] + struct.pack("<H", 2) + blob[8:])


def test_every_truncation_is_a_stream_error():
    blob = small_stream().encode()
    for n in range(len(blob)):
        with pytest.raises(StreamError, match="^stream.bin: "):
            Stream.decode(blob[:n])


def test_unknown_opcode_and_wrong_nwords():
    blob = small_stream().encode()
    off = signal_offset(blob)
    bad = bytearray(blob)
    bad[off] = 0x7F
    with pytest.raises(StreamError, match="unknown opcode 0x7f"):
        Stream.decode(refresh_crc(bad))
    bad = bytearray(blob)
    struct.pack_into("<H", bad, off + 2, 2)
    with pytest.raises(StreamError, match="nwords 2, SIGNAL takes 1"):
        Stream.decode(refresh_crc(bad))
    bad = bytearray(blob)
    bad[off + 1] = 0x4
    with pytest.raises(StreamError, match="unknown flags"):
        Stream.decode(refresh_crc(bad))


def _assemble(sections: list[tuple[int, bytes]]) -> bytes:
    payload = b""
    for kind, body in sections:
        payload += struct.pack("<II", kind, len(body)) + body
        payload += bytes(-len(payload) % 4)
    return struct.pack("<4sHHIII", b"CVCS", 1, 0, len(payload), zlib.crc32(payload),
                       len(sections)) + payload


META = b'{"cores":1,"model":"m","producer":"p","target":"thetis"}'
NO_IO = struct.pack("<I", 0)


def test_section_structure_errors():
    assert Stream.decode(_assemble([(1, META), (2, NO_IO)])).io == []
    with pytest.raises(StreamError, match="unknown section kind 9"):
        Stream.decode(_assemble([(1, META), (2, NO_IO), (9, b"")]))
    with pytest.raises(StreamError, match="second META"):
        Stream.decode(_assemble([(1, META), (1, META), (2, NO_IO)]))
    with pytest.raises(StreamError, match="no IO section"):
        Stream.decode(_assemble([(1, META)]))
    with pytest.raises(StreamError, match="second QUEUE for core 0"):
        q = struct.pack("<II", 0, 0)
        Stream.decode(_assemble([(1, META), (2, NO_IO), (4, q), (4, q)]))
    with pytest.raises(StreamError, match="META key 'cores'"):
        Stream.decode(_assemble([(1, b'{"model":"m","producer":"p","target":"t"}'), (2, NO_IO)]))
    with pytest.raises(StreamError, match="not UTF-8 JSON"):
        Stream.decode(_assemble([(1, b"{\xff"), (2, NO_IO)]))
    with pytest.raises(StreamError, match="DATA says 9 bytes"):
        Stream.decode(_assemble([(1, META), (2, NO_IO), (3, struct.pack("<II", 0, 9) + b"x")]))
    with pytest.raises(StreamError, match="bytes after the 0 commands"):
        Stream.decode(_assemble([(1, META), (2, NO_IO), (4, struct.pack("<III", 0, 0, 0))]))


def test_io_descriptor_errors():
    def io(direction=0, dtype=1, scale=1.0, zp=0, name=b"x"):
        desc = struct.pack("<BBBBIdi", direction, dtype, 1, 0, 0x80000000, scale, zp)
        desc += struct.pack("<IH", 4, len(name)) + name
        return struct.pack("<I", 1) + desc + bytes(-len(desc) % 4)

    assert Stream.decode(_assemble([(1, META), (2, io())])).io[0].shape == (4,)
    for kwargs, msg in [({"direction": 2}, "direction 2"), ({"dtype": 3}, "dtype 3"),
                        ({"scale": float("nan")}, "scale"), ({"zp": 300}, "zero_point"),
                        ({"name": b"\xff"}, "not UTF-8"), ({"name": b""}, "io name")]:
        with pytest.raises(StreamError, match=msg):
            Stream.decode(_assemble([(1, META), (2, io(**kwargs))]))


def _decode_and_validate(blob: bytes) -> None:
    try:
        stream = Stream.decode(blob)
        validate(stream, THETIS)
    except StreamError as e:
        assert str(e).startswith("stream.bin: ") and "\n" not in str(e)


MUTATION = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                    max_size=4)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATION, st.booleans())
def test_random_mutations_decode_validate_or_stream_error(mutations, fix_crc):
    blob = bytearray(small_stream().encode())
    for pos, value in mutations:
        blob[pos % len(blob)] = value
    # With the CRC recomputed the structural checks behind it get exercised too.
    _decode_and_validate(refresh_crc(bytes(blob)) if fix_crc else bytes(blob))


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 10**6))
def test_random_word_overwrites(word, index):
    """Overwrite a whole payload word (command fields, sizes, counts) and fix the CRC."""
    blob = bytearray(small_stream().encode())
    pos = 20 + 4 * (index % ((len(blob) - 20) // 4))
    struct.pack_into("<I", blob, pos, word)
    _decode_and_validate(refresh_crc(bytes(blob)))
