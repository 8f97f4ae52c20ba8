"""The CGRA engine (issue 11): the modulo scheduler's MII and II, the runtime's execution of a
scheduled configuration against the compiler's definition of the kernel (dfg.evaluate), a
wrong schedule giving wrong numbers, configurations the hardware could not hold refused, and
element-wise layers on convolve's virtual cores verified bit-exactly end to end."""

import json
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from convc.driver import int_reference
from helpers import convc
from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.dialects.cgra import kernel_of
from convc.dialects.cgra_dfg import Builder, evaluate
from convc.engines.cgra.encode import config_words
from convc.engines.cgra.scheduler import rec_mii, res_mii, schedule
from convc.errors import TargetFitError
from convc.ir.schema import CGRA_SCHEDULE
from convc.passes.engine_ops import engine_ops
from convc.runtime.errors import StreamError
from convc.runtime.stream import Op
from convc.runtime.units.cgra import CgraSpec, run_kernel
from convc.runtime.units.cgra_config import HEADER_WORDS, NODE_FIELDS, NODE_WORDS, decode
from convc.runtime.validate import validate
from convc.targets import resolve


def spec(alu=2, mul=1, lsu=2, registers=32, lat=(1, 2, 2), max_ii=32):
    return CgraSpec(alu=alu, mul=mul, lsu=lsu, registers=registers,
                    latency=dict(zip(("alu", "mul", "lsu"), lat)), max_ii=max_ii,
                    config_cycles_per_word=1, energy_pj_per_op=1, energy_pj_per_config_word=1)


class FlatMemory:
    """Just the two calls run_kernel makes, over one byte array."""

    def __init__(self, size=1 << 16):
        self.bytes = np.zeros(size, np.uint8)

    def read(self, addr, n):
        return self.bytes[addr:addr + n].copy()

    def write(self, addr, values):
        v = np.ascontiguousarray(values).view(np.uint8).reshape(-1)
        self.bytes[addr:addr + v.size] = v


def requant_add():
    """out = clamp((x - 3) * y + 7): loads, a product, an add, a clamp, a store."""
    b = Builder()
    x, y = b.load(0), b.load(1)
    v = b.op("add", b.op("mul", b.op("sub", x, imm=3), y), imm=7)
    b.store(b.op("min", b.op("max", v, imm=-128), imm=127), 2)
    return b.finish("requant_add", 1, 1000, ["x", "y", "out"])


def dot_rows(outer=10, inner=100):
    """Per row: sum of x * y, stored once at the end of the row (a recurrence)."""
    b = Builder()
    x, y = b.load(0, outer_stride=inner), b.load(1, outer_stride=inner)
    acc = b.recur(0)
    s = b.op("add", acc, b.op("mul", x, y))
    b.close(acc, s)
    b.store(s, 2, width=4, stride=0, outer_stride=1, last=True)
    return b.finish("dot", outer, inner, ["x", "y", "out"])


def execute(kernel, sched, vspec, inputs, out_bytes, words=None):
    mem = FlatMemory()
    ports, addr = [], 0
    for data in inputs:
        mem.write(addr, data)
        ports.append((addr, data.size, False))
        addr += 4096
    ports.append((addr, out_bytes, True))
    ports += [(0, 0, False)] * (4 - len(ports))
    words = config_words(kernel, sched) if words is None else words
    run_kernel(decode(words, vspec, sched.ii, sched.length), mem, ports, kernel.outer, kernel.inner)
    return mem.read(addr, out_bytes)


RNG = np.random.default_rng(0)
X = RNG.integers(-128, 128, 1000).astype(np.int8).view(np.uint8)
Y = RNG.integers(-128, 128, 1000).astype(np.int8).view(np.uint8)


@pytest.mark.parametrize("make,out_bytes", [(requant_add, 1000), (dot_rows, 40)])
@pytest.mark.parametrize("vspec", [spec(), spec(alu=1, mul=1, lsu=1, lat=(1, 1, 1)), spec(alu=4, mul=2, lsu=3)])
def test_runtime_executes_the_schedule_as_the_kernel_defines(make, out_bytes, vspec):
    kernel = make()
    sched = schedule(kernel, vspec)
    expected = evaluate(kernel, [X, Y], [out_bytes])[0]
    assert np.array_equal(execute(kernel, sched, vspec, [X, Y], out_bytes), expected)
    if make is dot_rows:  # and the definition is the dot product
        want = (X.view(np.int8).astype(int).reshape(10, 100) * Y.view(np.int8).astype(int).reshape(10, 100)).sum(1)
        assert np.array_equal(expected.view("<i4"), want)


def test_resource_mii_from_a_unit_shortage():
    b = Builder()
    v = b.load(0)
    for _ in range(5):
        v = b.op("add", v, imm=1)
    b.store(v, 1)
    kernel = b.finish("adds", 1, 50, ["x", "out"])
    one_alu = spec(alu=1)
    assert res_mii(kernel, one_alu) == 5 and rec_mii(kernel, one_alu) == 1
    assert schedule(kernel, one_alu).ii == 5
    assert schedule(kernel, spec(alu=5)).ii == 1


def test_recurrence_mii_from_a_loop_carried_chain():
    """acc = acc * x + 1: a multiply (2 cycles) and an add (1) around a cycle of distance 1."""
    b = Builder()
    x = b.load(0)
    acc = b.recur(1)
    s = b.op("add", b.op("mul", acc, x), imm=1)
    b.close(acc, s)
    b.store(s, 1, width=4)
    kernel = b.finish("horner", 1, 64, ["x", "out"])
    wide = spec(alu=4, mul=2, lsu=2)
    assert res_mii(kernel, wide) == 1 and rec_mii(kernel, wide) == 3
    sched = schedule(kernel, wide)
    assert sched.ii == 3
    x = (RNG.integers(-3, 4, 64).astype(np.int8)).view(np.uint8)
    expected = evaluate(kernel, [x], [256])[0]
    assert np.array_equal(execute(kernel, sched, wide, [x], 256), expected)


def test_a_kernel_without_the_units_it_needs_is_refused():
    with pytest.raises(TargetFitError, match="needs a mul unit; the virtual core has none"):
        schedule(requant_add(), spec(mul=0))
    with pytest.raises(TargetFitError, match="keeps 3 values live at II 32; the virtual core has 2 registers"):
        schedule(dot_rows(), spec(registers=2))


def test_register_pressure_raises_the_ii():
    """Fewer registers than the fastest schedule keeps live: the scheduler goes to a larger II,
    where fewer iterations overlap; the runtime refuses a configuration that needs more."""
    kernel = requant_add()
    iis = {r: schedule(kernel, spec(registers=r)).ii for r in (2, 3, 8)}
    assert iis[8] == 2 and iis[2] > iis[3] > iis[8], iis
    fast = schedule(kernel, spec(registers=8))
    with pytest.raises(StreamError, match="values live at once; the virtual core has 2 registers"):
        decode(config_words(kernel, fast), spec(registers=2), fast.ii, fast.length)


def _node_word(words, node, field):
    return HEADER_WORDS + node * NODE_WORDS + NODE_FIELDS.index(field)


def test_a_value_read_a_cycle_early_gives_wrong_numbers():
    """Issue the add that consumes requant_add's product one cycle before the product is ready
    (on an ALU whose slot is free, so the configuration is legal): the add then finds the
    previous iteration's product in the register, and nearly every output changes."""
    kernel, vspec = requant_add(), spec(alu=4)
    sched = schedule(kernel, vspec)
    mul = next(i for i, n in enumerate(kernel.nodes) if n.fn == "mul")
    add = next(c for c, _ in kernel.uses(mul))
    early = sched.times[mul] + sched.latency[mul] - 1
    busy = {(u, t % sched.ii) for i, (u, t) in enumerate(zip(sched.units, sched.times)) if i != add}
    unit = next(u for u in range(vspec.alu) if (u, early % sched.ii) not in busy)
    words = config_words(kernel, sched)  # registers as the right schedule reads them
    words[_node_word(words, add, "time")] = early
    words[_node_word(words, add, "fu")] = unit
    expected = evaluate(kernel, [X, Y], [1000])[0]
    assert np.array_equal(execute(kernel, sched, vspec, [X, Y], 1000), expected)
    got = execute(kernel, sched, vspec, [X, Y], 1000, words)
    assert np.count_nonzero(got != expected) > 500


def test_two_operations_in_one_slot_are_refused():
    kernel, vspec = requant_add(), spec()
    sched = schedule(kernel, vspec)
    words = config_words(kernel, sched)
    loads = [i for i, n in enumerate(kernel.nodes) if n.fn == "load"]
    a, b = loads
    words[_node_word(words, b, "fu")] = words[_node_word(words, a, "fu")]
    words[_node_word(words, b, "time")] = words[_node_word(words, a, "time")]
    with pytest.raises(StreamError, match="both use functional unit"):
        decode(words, vspec, sched.ii, sched.length)
    words = config_words(kernel, sched)
    words[_node_word(words, a, "fu")] = 0  # an ALU
    with pytest.raises(StreamError, match="needs a lsu but unit 0 is a alu"):
        decode(words, vspec, sched.ii, sched.length)


# -- end to end on convolve -----------------------------------------------------------------

def _elementwise_model(path, shape):
    """x -> Conv 1x1 -> (h + skip) * h -> Sigmoid -> y, with the skip a second input."""
    rng = np.random.default_rng(0)
    c = shape[1]
    w = numpy_helper.from_array((rng.standard_normal((c, c, 1, 1)) * 0.4).astype(np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["h"], name="conv"),
             helper.make_node("Add", ["h", "skip"], ["s"], name="add"),
             helper.make_node("Mul", ["s", "h"], ["m"], name="mul"),
             helper.make_node("Sigmoid", ["m"], ["y"], name="sig")]
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)  # noqa: E731
    graph = helper.make_graph(nodes, "g", [vi("x"), vi("skip")], [vi("y")], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9), str(path))
    return path


@pytest.mark.parametrize("shape", [[1, 8, 6, 5], [1, 8, 96, 96]])
def test_elementwise_layers_on_the_cgra_verify(tmp_path, shape):
    model = _elementwise_model(tmp_path / "m.onnx", shape)
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((8, *shape[1:])).astype(np.float32),
             skip=rng.standard_normal((8, *shape[1:])).astype(np.float32))
    rules = tmp_path / "cgra.cva"
    rules.write_text('version 1\nprecision "conv" weights int8\nplace "add" on cgra\nplace "mul" on cgra core 3\n'
                     'cgra "mul" alu 2 mul 1\n')  # a budget: the runtime runs the renumbered units
    compiled = compile_model(model, resolve("convolve"), calib=tmp_path / "calib.npz", annotations=rules,
                             warn=lambda m: None)
    validate(compiled.stream, compiled.target)
    samples = [[rng.standard_normal(shape).astype(np.float32) for _ in range(2)] for _ in range(2)]
    result = verify(compiled, model, samples)
    assert result["integer_exact"] is True and result["cosine"] >= 0.99, result
    with compiled.module.context:
        mul = next(op for op in engine_ops(compiled.module.operation) if CGRA_SCHEDULE.has(op)
                   and kernel_of(op).name == "mul")
        assert CGRA_SCHEDULE.get(mul)[:3] == [4, 4, 1]  # 7 ALU operations on 2 ALUs
    launches = {core: sum(c.op is Op.CGRA_LAUNCH for c in q) for core, q in compiled.stream.queues.items()}
    configures = sum(c.op is Op.CGRA_CONFIGURE for q in compiled.stream.queues.values() for c in q)
    assert launches[3] >= 1 and sum(launches.values()) >= 3  # add, mul and the sigmoid's table
    # one configuration per kernel, however many chunks its launches stream through L1
    assert configures == 3 and (shape[2] < 96 or sum(launches.values()) > 3)


def test_generated_kernels_compute_what_the_dpu_ops_define(tmp_path):
    """The same layers as CGRA kernels and as DPU/host commands give the same integer outputs:
    the kernels' 32-bit arithmetic reproduces the DPU's 64-bit definitions bit for bit."""
    shape = [1, 8, 6, 5]
    model = _elementwise_model(tmp_path / "m.onnx", shape)
    rng = np.random.default_rng(2)
    calib = tmp_path / "calib.npz"
    np.savez(calib, x=rng.standard_normal((8, *shape[1:])).astype(np.float32),
             skip=rng.standard_normal((8, *shape[1:])).astype(np.float32))
    x = [rng.integers(-128, 128, shape).astype(np.int8) for _ in range(2)]
    outputs = {}
    for where in ("cgra", "dpu"):
        rules = tmp_path / f"{where}.cva"
        table = "cgra" if where == "cgra" else "host"  # convolve's DPUs have no tables
        rules.write_text(f'version 1\nprecision "conv" weights int8\nplace "add" on {where}\n'
                         f'place "mul" on {where}\nplace "sig" on {table}\n')
        compiled = compile_model(model, resolve("convolve"), calib=calib, annotations=rules, warn=lambda m: None)
        kernels = sum(c.op is Op.CGRA_LAUNCH for q in compiled.stream.queues.values() for c in q)
        assert (kernels > 0) == (where == "cgra")
        with compiled.module.context:
            outputs[where] = int_reference.run(compiled.module, x)[0]
    assert np.array_equal(outputs["cgra"], outputs["dpu"])


def test_cli_report_shows_the_kernels(tmp_path):
    """`convc` on convolve: rc 0, and the report lists each CGRA kernel's MII and achieved II
    (the report's alternatives price a cgra.kernel on CGRA cores only: the host has no
    routine for another engine's program)."""
    shape = [1, 8, 6, 5]
    model = _elementwise_model(tmp_path / "m.onnx", shape)
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "calib.npz", x=rng.standard_normal((8, *shape[1:])).astype(np.float32),
             skip=rng.standard_normal((8, *shape[1:])).astype(np.float32))
    (tmp_path / "r.cva").write_text('version 1\nprecision "conv" weights int8\nplace "add" on cgra core 4\n')
    proc = convc(model, "--target", "convolve", "--calib", tmp_path / "calib.npz", "-o", tmp_path / "out",
                 "--annotations", tmp_path / "r.cva", "--verify")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "report.txt").read_text()
    assert "CGRA kernels" in text
    assert re.search(r"add +core 4: 22 ops, MII 4 \(ResMII 4, RecMII 1\), II 4", text), text
    layers = json.loads((tmp_path / "out" / "report.json").read_text())["layers"]
    kernel = next(row for row in layers if row["op"] == "cgra.kernel" and row["kernel"] == "add")
    assert {c["engine"] for c in kernel["candidates"]} == {"cgra"}
