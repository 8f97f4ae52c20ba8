"""Sub-int8 precision end to end: weight quantizers, the shipped mixed-precision digits file on
thetis_mp (verified bit-exact on the runtime, IMC_MODE in the stream, fewer cycles and bytes
than int8), and what thetis (int8 only) says about the same file."""

import json
from pathlib import Path

import numpy as np
import pytest

from convc import quant_math as qm
from convc.runtime import Op, Stream
from helpers import assert_one_line_error, convc

MIXED = Path(__file__).resolve().parents[2] / "examples" / "annotations" / "digits_mixed_precision.cva"


def test_weight_codes_per_precision():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3, 3, 4)) * np.linspace(0.1, 2, 8)[:, None, None, None]
    for precision, codes in {"int4": range(-7, 8), "int2": (-1, 0, 1), "ternary": (-1, 0, 1),
                             "binary": (-1, 1)}.items():
        q, s = qm.weight_qparams(w, axis=0, precision=precision)
        assert q.dtype == np.int8 and q.shape == w.shape and s.shape == (8,)
        assert set(np.unique(q)) <= set(codes), precision
    # Ternary: threshold 0.7·mean|w| per channel, scale = mean of the kept magnitudes.
    row = np.array([[0.1, -0.9, 1.1, 0.05]])
    q, s = qm.weight_qparams(row, axis=0, precision="ternary")
    np.testing.assert_array_equal(q, [[0, -1, 1, 0]])
    assert s[0] == pytest.approx(1.0)
    # Binary: sign × mean|w|.
    q, s = qm.weight_qparams(row, axis=0, precision="binary")
    np.testing.assert_array_equal(q, [[1, -1, 1, 1]])
    assert s[0] == pytest.approx(np.abs(row).mean())


def test_int4_clipping_beats_max_abs():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((16, 256))
    w[:, 0] = 8.0  # one outlier per channel
    q, s = qm.weight_qparams(w, axis=0, precision="int4")
    err_mse = ((q * s[:, None] - w) ** 2).sum()
    s_max = np.abs(w).max(axis=1) / 7
    err_max = ((np.clip(np.rint(w / s_max[:, None]), -7, 7) * s_max[:, None] - w) ** 2).sum()
    assert err_mse < 0.8 * err_max


def test_narrow_activation_codes():
    scale, zp = qm.activation_qparams(-1.0, 3.0, bits=4)
    assert scale == pytest.approx(4.0 / 15) and -8 <= zp <= 7
    assert qm.clamp_codes(0.0, float("inf"), scale, zp, bits=4) == (zp, 7)


@pytest.fixture(scope="module")
def mixed(models_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mixed")
    m = models_dir / "digits_cnn"
    runs = {}
    for name, extra in (("int8", []), ("mixed", ["--annotations", MIXED])):
        out = tmp / name
        proc = convc(f"{m}.onnx", "--target", "thetis_mp", "--calib", f"{m}.calib.npz", "-o", out,
                     "--verify", "--verify-inputs", f"{m}.sample.npz", *extra)
        assert proc.returncode == 0, proc.stderr
        runs[name] = (json.loads((out / "report.json").read_text()),
                      Stream.decode((out / "stream.bin").read_bytes()))
    return runs


def test_mixed_file_is_honoured_and_reported(mixed):
    report, _ = mixed["mixed"]
    by_node = {(r["node"], r["op"]): r for r in report["layers"]}
    conv0, conv2 = by_node["/0/Conv", "imc.conv2d"], by_node["/2/Conv", "imc.conv2d"]
    gemm6 = by_node["/6/Gemm", "imc.matmul"]
    assert conv0["precision"] == {"weights": "int8", "inputs": "int8", "activations": "int4"}
    assert conv2["precision"] == {"weights": "int4", "inputs": "int4", "activations": "int4"}
    assert gemm6["precision"] == {"weights": "ternary", "inputs": "int4", "activations": "int8"}
    assert by_node["/4/MaxPool", "dpu.maxpool"]["precision"] == {"activations": "int4"}
    assert conv2["decided_by"]["precision"] == f"{MIXED}:9"
    assert gemm6["decided_by"]["precision"] == f"{MIXED}:12"


def test_mixed_stream_is_bit_exact_and_uses_array_modes(mixed):
    report, stream = mixed["mixed"]
    assert report["verify"]["integer_exact"] is True
    assert report["verify"]["top1_agreement"] == 1.0
    modes = {(c["weight_bits"], c["input_bits"]) for q in stream.queues.values() for c in q if c.op is Op.IMC_MODE}
    assert modes >= {(4, 4), (2, 4)}  # /2/Conv and the ternary /6/Gemm
    _, int8_stream = mixed["int8"]
    assert not any(c.op is Op.IMC_MODE for q in int8_stream.queues.values() for c in q)


def test_mixed_precision_costs_less(mixed):
    int8, mixed_report = mixed["int8"][0], mixed["mixed"][0]
    assert mixed_report["passes"]["estimated_cycles"] < 0.6 * int8["passes"]["estimated_cycles"]
    assert mixed_report["passes"]["dram_bytes"] < 0.5 * int8["passes"]["dram_bytes"]


def test_mixed_file_on_int8_thetis_is_refused(models_dir, tmp_path):
    m = models_dir / "digits_cnn"
    proc = convc(f"{m}.onnx", "--calib", f"{m}.calib.npz", "-o", tmp_path / "o", "--annotations", MIXED)
    assert_one_line_error(proc, f"{MIXED}:8:1:", "thetis's arrays take int8 activations only, not int4")
