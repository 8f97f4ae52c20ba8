"""The engine-plugin boundary is real: a toy engine kind defined entirely in this file — a
dialect op, an engine class and a runtime unit, each registered at run time with one line —
compiles and runs a model with no change to convc.

The toy is a "relu" engine: TOY_RELU y = max(x, zp) on int8 codes, the ReLU of a tensor whose
quantization it keeps. It lowers the standalone ReLU (tosa.clamp) that the DPU would otherwise
run, because the target lists it first among its cores' engines.
"""

import math
from dataclasses import dataclass

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc import dialects, engines
from convc.driver.pipeline import compile_model
from convc.driver.report import layer_rows
from convc.driver.verify import verify
from convc.engines.base import Engine
from convc.ir.attrs import get_int, i64, numel
from convc.ir.mlir import ext, ir
from convc.runtime import units
from convc.runtime.geometry import flat
from convc.runtime.schema import Table
from convc.runtime.units import Opcode, Unit
from convc.targets import resolve

# -- 1. the dialect -----------------------------------------------------------------------------


class Toy(ext.Dialect, name="toy"):
    pass


class ReluOp(Toy.Operation, name="relu"):
    """int8 ReLU that keeps its input's quantization: max(x, zp)."""

    input: ext.Operand[ir.RankedTensorType]
    zp: ir.IntegerAttr
    output: ext.Result[ir.RankedTensorType]

    def reference(self, x):
        return np.maximum(x, get_int(self, "zp")).astype(np.int8)


# -- 2. the runtime unit --------------------------------------------------------------------------

TOY_RELU = Opcode.from_layout(0x7A, "TOY_RELU", "in_addr out_addr n zp(i32)", "toy")


@dataclass(frozen=True)
class ToySpec:
    bytes_per_cycle: int


class ToyUnit(Unit):
    kind = "toy"
    opcodes = (TOY_RELU,)

    def parse_spec(self, table, path):
        t = Table(table, path)
        spec = ToySpec(t.integer("bytes_per_cycle"))
        t.finish()
        return spec

    def check(self, cmd, spec, state, target):
        return None if -128 <= cmd["zp"] <= 127 else f"has zp {cmd['zp']} outside int8"

    def accesses(self, cmd, state):
        return [flat("in_addr", False, cmd["in_addr"], cmd["n"]), flat("out_addr", True, cmd["out_addr"], cmd["n"])]

    def price(self, cmd, spec, state, target):
        return math.ceil(cmd["n"] / spec.bytes_per_cycle), 0, 0.0

    def execute(self, cmd, memory, state):
        x = memory.read(cmd["in_addr"], cmd["n"]).view(np.int8)
        memory.write(cmd["out_addr"], np.maximum(x, cmd["zp"]).astype(np.int8))


# -- 3. the engine class ----------------------------------------------------------------------------


def lower_relu(lw, op):
    """tosa.clamp [0, +inf) → toy.relu; consumers see the input's scale and zero point."""
    src = lw.activation_source(op)
    scale, zp = lw.q(src)
    new = ReluOp(lw.vmap[src], i64(zp), output=lw.i8(lw.shape(op.results[0])), loc=op.location)
    lw.vmap[op.results[0]] = new.output
    lw.narrowed[op.results[0]] = (scale, zp)


class ToyEngine(Engine):
    kind = "toy"
    ops = ("toy.relu",)
    lowerings = {"tosa.clamp": lower_relu}

    def l1_buffers(self, op, target, core, m_block=None):
        return [("input", numel(op.input)), ("output", numel(op.output))]

    def emit(self, op, em):
        n = numel(op.input)
        em.copy(em.addr(op.input), em.l1("input"), n)
        em.cmd(TOY_RELU, in_addr=em.l1("input"), out_addr=em.l1("output"), n=n, zp=get_int(op, "zp"))
        em.copy(em.l1("output"), em.addr(op.output), n)


@pytest.fixture
def toy_engine():
    dialects.register(Toy)     # one line per registry: dialect,
    engines.register(ToyEngine())  # engine class,
    units.register(ToyUnit())  # runtime unit
    yield
    units.unregister("toy")
    engines.unregister("toy")
    dialects.unregister(Toy)


def relu_gemm_model(path):
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((16, 8)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w", "b"], ["y"], name="fc")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [w, b])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    np.savez(path.with_suffix(".npz"), x=rng.standard_normal((32, 16)).astype(np.float32))
    return path


def toy_target(tmp_path):
    text = resolve("thetis").read_text().replace('name = "thetis"', 'name = "thetis_toy"')
    text = text.replace("[cores.engines.imc]", "[cores.engines.toy]\nbytes_per_cycle = 64\n\n[cores.engines.imc]", 1)
    path = tmp_path / "thetis_toy.toml"
    path.write_text(text)
    return path


def test_a_toy_engine_kind_compiles_and_runs(tmp_path, toy_engine):
    model = relu_gemm_model(tmp_path / "relu_gemm.onnx")
    compiled = compile_model(model, toy_target(tmp_path), calib=model.with_suffix(".npz"), warn=lambda m: None)
    with compiled.module.context:
        rows = {(r["node"], r["op"]): r for r in layer_rows(compiled.module, compiled.target)}
    assert rows[("relu", "toy.relu")]["engine"] == "toy"
    assert rows[("fc", "imc.matmul")]["engine"] == "imc"
    assert any(cmd.op is TOY_RELU for queue in compiled.stream.queues.values() for cmd in queue)
    samples = [[x[None]] for x in np.load(model.with_suffix(".npz"))["x"][:8]]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result


def test_without_the_plugin_the_dpu_runs_the_relu(tmp_path):
    model = relu_gemm_model(tmp_path / "relu_gemm.onnx")
    compiled = compile_model(model, resolve("thetis"), calib=model.with_suffix(".npz"), warn=lambda m: None)
    with compiled.module.context:
        rows = {(r["node"], r["op"]): r for r in layer_rows(compiled.module, compiled.target)}
    assert rows[("relu", "dpu.rescale")]["engine"] == "dpu"
