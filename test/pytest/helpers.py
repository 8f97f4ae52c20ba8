"""Shared test helpers: running the `convc` CLI, and small ONNX models built in the tests."""

import json
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from convc.runtime import Stream


def tiny_model(op_type="Relu", name="act0", shape=(1, 4), extra_inits=(), **attrs):
    """x -> Gemm(fc) -> OP -> y: a valid model whose second node is `op_type`."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((shape[1], shape[1])).astype(np.float32), "w")
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], name="fc"),
             helper.make_node(op_type, ["h"], ["y"], name=name, **attrs)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
                              [w, *extra_inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def save(model, path):
    onnx.save(model, str(path))
    return path


CONVC = [sys.executable, "-m", "convc.cli"]


def convc(*args, cwd=None):
    return subprocess.run([*CONVC, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def assert_one_line_error(proc, *needles):
    """Exit code 1 and exactly one `error:` line (warnings aside) containing every needle."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def compile_with(tmp_path, model, calib, text, name):
    """Compile with annotation `text` (none if empty) and --verify: (report, stream, cva path)."""
    cva = tmp_path / f"{name}.cva"
    cva.write_text(text)
    out = tmp_path / name
    args = [model, "--calib", calib, "-o", out, "--verify", "--verify-inputs", calib]
    proc = convc(*args, *(["--annotations", cva] if text else []))
    assert proc.returncode == 0, proc.stderr
    return (json.loads((out / "report.json").read_text()), Stream.decode((out / "stream.bin").read_bytes()), cva)


def compiler_for(tmp_path, model, calib):
    """compile_with for one model, remembering results: tests that share a baseline compile it once."""
    done = {}

    def compile_text(text, name):
        if text not in done:
            done[text] = compile_with(tmp_path, model, calib, text, name)
        return done[text]
    return compile_text


def commands(stream, op):
    return sum(1 for q in stream.queues.values() for c in q if c.op is op)


def layer(report, node, op):
    return next(r for r in report["layers"] if r["node"] == node and r["op"] == op)
