"""The throughput objective end to end: a batch of frames split across the cores, verified
bit-exact against the integer reference, weights programmed once per inference (not per
frame), `convc run` grouping frames, the annotation statement and its constraint."""

import json

import numpy as np
import pytest

from convc.driver.pipeline import compile_model
from convc.driver.verify import verify
from convc.runtime.host import Program
from convc.runtime.stream import Op, Stream, StreamError
from convc.runtime.validate import validate
from convc.targets import resolve

from helpers import assert_one_line_error, commands, convc


@pytest.fixture(scope="module")
def mini(models_dir):
    return models_dir / "resnet_mini.onnx", models_dir / "resnet_mini.calib.npz"


@pytest.fixture(scope="module")
def compiled(mini):
    """{(objective, batch): Compiled} of resnet_mini on thetis, compiled on first use."""
    done = {}

    def get(objective, batch):
        if (objective, batch) not in done:
            done[objective, batch] = compile_model(mini[0], resolve("thetis"), calib=mini[1],
                                                   objective=objective, batch=batch, warn=lambda m: None)
        return done[objective, batch]
    return get


@pytest.mark.parametrize("batch", [1, 2, 8])
def test_throughput_streams_are_integer_exact(compiled, mini, batch):
    c = compiled("throughput", batch)
    assert c.stream.inputs[0].shape[0] == batch
    samples = c.ctx.calibration[:2]
    assert all(s[0].shape[0] == batch for s in samples)  # calibration rows grouped batch at a time
    result = verify(c, mini[0], samples)
    assert result["integer_exact"] is True
    assert result["cosine"] > 0.99
    if batch > 1:
        assert c.stream.meta["batch"] == batch
        split = c.ctx.info["batch_split"]
        assert split["copies"] == min(batch, 4)


def test_weights_are_programmed_once_per_inference_not_per_frame(compiled):
    latency = compiled("latency", 1)
    four, eight = compiled("throughput", 4), compiled("throughput", 8)
    # One copy per core either way: each core programs every weight tile once per inference,
    # whether its sub-batch holds 1 frame or 2.
    assert commands(four.stream, Op.IMC_PROGRAM) == commands(eight.stream, Op.IMC_PROGRAM)
    # Frame by frame, 8 frames would program the latency stream's tiles 8 times over.
    assert commands(eight.stream, Op.IMC_PROGRAM) < 8 * commands(latency.stream, Op.IMC_PROGRAM)
    # The copies share their weights: the stream stores each blob once.
    blobs = [bytes(s.data) for s in eight.stream.data]
    assert len(set(blobs)) == len(blobs)
    assert sum(map(len, blobs)) < 2 * sum(len(s.data) for s in latency.stream.data)


def test_throughput_beats_frame_by_frame(compiled):
    latency, eight = compiled("latency", 1), compiled("throughput", 8)
    x = np.stack([s[0][0] for s in compiled("latency", 1).ctx.calibration[:8]])
    cycles_one = Program(latency.stream, latency.target).run_samples([x[i:i + 1] for i in range(8)])[0].counters.total_cycles
    run = Program(eight.stream, eight.target).run_samples([x])[0]
    # The runtime's counters confirm the estimate and the gain.
    assert abs(run.counters.total_cycles - eight.ctx.info["estimated_cycles"]) <= 0.05 * run.counters.total_cycles
    assert run.counters.total_cycles < 0.5 * 8 * cycles_one


def test_dma_runs_under_compute_and_the_estimate_times_it_so(compiled):
    eight = compiled("throughput", 8)
    x = np.stack([s[0][0] for s in eight.ctx.calibration[:8]])
    counters = Program(eight.stream, eight.target).run_samples([x])[0].counters
    plan = validate(eight.stream, eight.target)
    back_to_back = {core: sum(s.cycles for s in steps) for core, steps in plan.steps.items()}
    assert all(counters.cycles[core] < back_to_back[core] for core in back_to_back)
    assert abs(counters.total_cycles - eight.ctx.info["estimated_cycles"]) <= 0.01 * counters.total_cycles


def test_the_resident_budget_is_what_the_tiling_stores(compiled):
    # convc-keep-resident budgets each layer's weights tiled as a resident layer (convc-tile
    # prices loads from L2 then and may pack more): the L2 it planned is the L2 it gets.
    info = compiled("throughput", 8).ctx.info
    assert info["resident_by_objective"]["layers"] > 0
    assert info["l2_resident_bytes"] == info["resident_by_objective"]["bytes"]


def test_convc_run_takes_frames_a_batch_at_a_time(tmp_path, mini, models_dir):
    out = tmp_path / "tp"
    proc = convc(str(mini[0]), "--target", "thetis", "-o", str(out), "--calib", str(mini[1]),
                 "--objective", "throughput", "--batch", "4")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["objective"]["kind"] == "throughput" and report["objective"]["batch"] == 4
    assert "frames/s" in (out / "report.txt").read_text()
    x = np.load(models_dir / "resnet_mini.sample.npz")["x"][:8]
    np.save(tmp_path / "x.npy", x)
    proc = convc("run", str(out), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"))
    assert proc.returncode == 0, proc.stderr
    assert "8 frames in 2 runs of 4" in proc.stdout
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (8, 10)
    # Frames are independent: the second run's frames alone give the same outputs.
    np.save(tmp_path / "x2.npy", x[4:])
    convc("run", str(out), "-i", str(tmp_path / "x2.npy"), "-o", str(tmp_path / "y2.npy"))
    assert np.array_equal(np.load(tmp_path / "y2.npy"), y[4:])
    np.save(tmp_path / "x3.npy", x[:6])
    assert_one_line_error(convc("run", str(out), "-i", str(tmp_path / "x3.npy"), "-o", str(tmp_path / "y3.npy")),
                          "holds 6 frames", "4 at a time", "multiple of 4")


def test_batch_needs_a_batch_one_model(tmp_path, models_dir):
    proc = convc(str(models_dir / "yolo_head_b2.onnx"), "-o", str(tmp_path / "o"), "--batch", "4")
    assert_one_line_error(proc, "--batch 4 needs inputs of batch 1", "[2,")


def test_objective_statement_and_throughput_constraint(tmp_path, mini):
    cva = tmp_path / "map.cva"
    cva.write_text("version 1\nobjective throughput batch 4\nconstraint throughput >= 1000 fps\n")
    proc = convc(str(mini[0]), "-o", str(tmp_path / "a"), "--calib", str(mini[1]), "--annotations", str(cva))
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["objective"]["source"] == f"{cva}:2" and report["objective"]["batch"] == 4
    assert f"{cva}:3:1" in report["constraints_checked"]
    cva.write_text("version 1\nobjective throughput batch 4\nconstraint throughput >= 1e9 fps\n")
    assert_one_line_error(convc(str(mini[0]), "-o", str(tmp_path / "b"), "--calib", str(mini[1]), "--annotations", str(cva)),
                          f"{cva}:3:1: constraint violated", "frames/s", "< 1e+09")
    cva.write_text("version 1\nobjective latency batch 4\n")
    assert_one_line_error(convc(str(mini[0]), "-o", str(tmp_path / "c"), "--annotations", str(cva)),
                          f"{cva}:2:1", "objective throughput batch 4")
    cva.write_text("version 1\nobjective throughput\nobjective latency\n")
    assert_one_line_error(convc(str(mini[0]), "-o", str(tmp_path / "d"), "--annotations", str(cva)),
                          f"{cva}:3:1: a second objective")


def test_validation_refuses_a_batch_the_io_does_not_hold(compiled):
    c = compiled("throughput", 4)
    stream = Stream.decode(c.stream.encode())
    stream.meta["batch"] = 3
    with pytest.raises(StreamError, match="META batch = 3 but input"):
        validate(stream, c.target)
    stream.meta["batch"] = 0
    with pytest.raises(StreamError, match="positive integer"):
        validate(stream, c.target)


def test_small_layers_take_several_vectors_per_mvm(compiled):
    """resnet_mini's first convolution (27 rows, 16 columns) is packed p to a tile (the cost
    model's choice, up to 18): its stream programs one (27p)x(16p) block-diagonal tile and
    runs its 1024 pixels as ceil(1024 / p) MVMs; verify (above) finds it bit-exact."""
    c = compiled("latency", 1)
    first = next(entry for entry in c.stream.meta["layers"] if entry["engine"] == "imc")
    cmds = c.stream.queues[first["core"]][first["first"]:first["first"] + first["count"]]
    programs = [cmd for cmd in cmds if cmd.op is Op.IMC_PROGRAM]
    mvms = [cmd for cmd in cmds if cmd.op is Op.IMC_MVM]
    assert len(programs) == 1
    p = programs[0].fields["rows"] // 27
    assert p > 1 and (programs[0].fields["rows"], programs[0].fields["cols"]) == (27 * p, 16 * p)
    assert sum(cmd.fields["m"] for cmd in mvms) == -(-32 * 32 // p)
    assert all(cmd.fields["in_stride"] == 27 * p and cmd.fields["out_stride"] == 4 * 16 * p for cmd in mvms)
