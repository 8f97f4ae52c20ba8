"""Host API (runtime/host.py) and the `convc run` / `convc dump` front ends (runtime/cli.py)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convc.runtime import InputError, Op, Program, StreamBuilder, load_target
from convc.runtime.cli import dump_main, run_main

TARGET_FILE = Path(__file__).resolve().parents[2] / "convc" / "targets" / "thetis.toml"
THETIS = load_target(TARGET_FILE)
L1, DRAM = THETIS.l1_base(0), THETIS.dram.base
X_IN, Y_OUT, SCRATCH = DRAM, DRAM + 64, L1 + 256


def tiny_model() -> StreamBuilder:
    """y = x + (the previous x, kept in a scratch buffer that starts as zeros). Each sample
    must see a zero scratch buffer, so y == x only if runs are independent."""
    b = StreamBuilder("thetis", 1, "tiny")
    b.input("x", (1, 8), X_IN, 0.5, 0)
    b.output("y", (1, 8), Y_OUT, 0.5, 0)
    b.emit(0, Op.DMA, src=X_IN, dst=L1, rows=1, row_bytes=8, src_stride=0, dst_stride=0)
    b.emit(0, Op.DPU_ADD, a_addr=L1, b_addr=SCRATCH, out_addr=L1 + 16, n=8, b_len=8, a_zp=0,
           a_mult=1 << 10, b_zp=0, b_mult=1 << 10, shift=10, out_zp=0, clamp_min=-128,
           clamp_max=127)
    b.emit(0, Op.DMA, src=L1, dst=SCRATCH, rows=1, row_bytes=8, src_stride=0, dst_stride=0)
    b.emit(0, Op.DMA, src=L1 + 16, dst=Y_OUT, rows=1, row_bytes=8, src_stride=0, dst_stride=0)
    return b


@pytest.fixture
def out_dir(tmp_path):
    (tmp_path / "stream.bin").write_bytes(tiny_model().build().encode())
    shutil.copy(TARGET_FILE, tmp_path / "target.toml")
    return tmp_path


def expected(x):
    return (np.clip(np.rint(np.asarray(x, np.float64) / 0.5), -128, 127) * 0.5).astype(np.float32)


def test_quantization_rounds_half_to_even_and_clips(out_dir):
    prog = Program.load(out_dir)
    x = np.array([[1.25, 1.75, -1.25, -1.75, 1000.0, -1000.0, 0.2, 3.0]], np.float32)
    result = prog.run(x)
    assert result.outputs_int8["y"].tolist() == [[2, 4, -2, -4, 127, -128, 0, 6]]
    assert result.outputs["y"].dtype == np.float32
    np.testing.assert_array_equal(result.outputs["y"], expected(x))


def test_samples_are_independent(out_dir):
    prog = Program.load(out_dir)
    x = np.arange(8, dtype=np.float32).reshape(1, 8)
    first = prog.run({"x": x}).outputs["y"]
    second = prog.run({"x": x[None]}).outputs["y"]  # extra leading axis of 1 is accepted
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, expected(x))
    outputs, counters = prog.run_batch(np.stack([x[0], 2 * x[0], x[0]]))  # [N, 8]
    assert outputs["y"].shape == (3, 8) and len(counters) == 3
    np.testing.assert_array_equal(outputs["y"][2], first[0])


def test_input_errors(out_dir):
    prog = Program.load(out_dir)
    with pytest.raises(InputError, match=r"expected \[1,8\]"):
        prog.run(np.zeros((1, 9)))
    with pytest.raises(InputError, match="do not match"):
        prog.run({"z": np.zeros((1, 8))})
    with pytest.raises(InputError, match="NaN"):
        prog.run(np.full((1, 8), np.nan))
    with pytest.raises(InputError, match=r"expected \[N,8\]"):
        prog.run_batch(np.zeros((3, 2, 8)))


def test_cli_run_three_samples(out_dir, tmp_path, capsys):
    x = np.random.default_rng(0).normal(0, 10, (3, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    code = run_main([str(out_dir), "--input", str(tmp_path / "x.npy"), "-o",
                     str(tmp_path / "y.npy"), "--counters", str(tmp_path / "c.json")])
    out = capsys.readouterr().out
    assert code == 0
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (3, 8)
    np.testing.assert_array_equal(y, expected(x))
    assert out.startswith("3 samples, ") and "cycles/sample" in out and len(out.splitlines()) == 1
    counters = json.loads((tmp_path / "c.json").read_text())
    assert counters["samples"] == 3 and counters["per_sample"]["total_cycles"] > 0
    # [N, 1, 8] (samples on a new axis) gives the same result; .npz outputs are keyed by name.
    np.savez(tmp_path / "x.npz", x=x[:, None, :])
    assert run_main([str(out_dir), "-i", str(tmp_path / "x.npz"), "-o",
                     str(tmp_path / "y.npz")]) == 0
    with np.load(tmp_path / "y.npz") as z:
        np.testing.assert_array_equal(z["y"], y)


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("error: ")
    return err


def test_cli_user_errors(out_dir, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((3, 8), np.float32))
    args = ["--input", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")]
    blob = bytearray((out_dir / "stream.bin").read_bytes())
    blob[40] ^= 0xFF
    (out_dir / "stream.bin").write_bytes(bytes(blob))
    assert run_main([str(out_dir)] + args) == 1
    assert "CRC-32 mismatch" in error_line(capsys)

    assert run_main([str(tmp_path / "nowhere")] + args) == 1
    assert "target.toml" in error_line(capsys)

    shutil.rmtree(out_dir)
    out_dir.mkdir()
    (out_dir / "stream.bin").write_bytes(tiny_model().build().encode())
    shutil.copy(TARGET_FILE, out_dir / "target.toml")
    np.save(tmp_path / "bad.npy", np.zeros((3, 9), np.float32))
    assert run_main([str(out_dir), "-i", str(tmp_path / "bad.npy"), "-o", "y.npy"]) == 1
    assert "expected [N,8]" in error_line(capsys)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    assert run_main([str(out_dir), "-i", str(tmp_path / "junk.npy"), "-o", "y.npy"]) == 1
    assert "junk.npy" in error_line(capsys)


def test_cli_help_documents_conventions(capsys):
    with pytest.raises(SystemExit) as info:
        run_main(["--help"])
    assert info.value.code == 0
    assert "[N, *S[1:]]" in capsys.readouterr().out


def test_dump(out_dir, capsys):
    assert dump_main([str(out_dir / "stream.bin")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("core 0  #0001  DPU_ADD  a_addr=0x10000000 ") for line in lines)
    (out_dir / "stream.bin").write_bytes(b"CVCS")
    assert dump_main([str(out_dir / "stream.bin")]) == 1
    assert "truncated header" in error_line(capsys)


def test_module_entry_point_has_no_traceback(out_dir, tmp_path):
    (out_dir / "stream.bin").write_bytes(b"junk" * 10)
    np.save(tmp_path / "x.npy", np.zeros((1, 8), np.float32))
    proc = subprocess.run([sys.executable, "-m", "convc.runtime.cli", "run", str(out_dir), "-i",
                           str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "bad magic" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("batch", ["1", "2", "16"])
def test_run_batches_give_the_outputs_of_one_sample_at_a_time(out_dir, tmp_path, batch, capsys):
    """tiny_model's scratch buffer carries a sample's input into the next run if runs leak:
    every batch size must give y == x, as one sample at a time does."""
    x = np.arange(5 * 8, dtype=np.float32).reshape(5, 8) - 20
    np.save(tmp_path / "x.npy", x)
    assert run_main([str(out_dir), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"),
                     "--batch", batch]) == 0
    assert np.array_equal(np.load(tmp_path / "y.npy"), expected(x))


def test_run_refuses_a_batch_of_zero(out_dir, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((1, 8), np.float32))
    with pytest.raises(SystemExit) as e:
        run_main([str(out_dir), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"), "--batch", "0"])
    assert e.value.code == 2 and "--batch must be at least 1" in capsys.readouterr().err
