"""Lock-step batches (runtime/executor.py execute_batch, memory.BatchMemory): running B samples
at once must give, bit for bit, each sample's outputs and counters when it runs alone, on
every engine kind (the batched IMC, DPU, host and DMA; the analog, spiking and CGRA units that
run sample after sample inside a batch, with their per-sample noise and measured activity)."""
import numpy as np
import pytest

from convc.driver.pipeline import compile_model
from convc.runtime import Command, Op
from convc.runtime.host import BATCH, TENSOR_BYTES, Program, default_batch
from convc.runtime.memory import BatchMemory, Memory
from convc.runtime.stream import Stream
from convc.runtime.target import load_target
from convc.targets import resolve

RNG = np.random.default_rng(0)
THETIS = load_target(resolve("thetis"))


# -- the memory ---------------------------------------------------------------------------------

def test_each_sample_has_its_own_bytes_and_rollback_restores_all():
    mem = BatchMemory(THETIS, 3)
    base = THETIS.l1_base(0)
    mem.write(base, b"\x07" * 4)  # the same bytes in every sample
    mem.checkpoint()
    mem.write(base, np.arange(12, dtype=np.int8).reshape(3, 4))
    assert mem.read(base, 4).view(np.int8).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert mem.sample(1).read(base, 4).view(np.int8).tolist() == [4, 5, 6, 7]
    assert mem.sample(2).view(base, 2, 2, 2).tolist() == [[8, 9], [10, 11]]
    mem.rollback()
    assert (mem.read(base, 4) == 7).all()


def test_a_sample_view_writes_only_its_row():
    mem = BatchMemory(THETIS, 2)
    base = THETIS.l1_base(1)
    mem.checkpoint()
    mem.sample(1).write2d(base, np.array([[1, 2], [3, 4]], np.int32), 16)
    assert mem.view(base, 2, 2, 16, np.int32).tolist() == [[[0, 0], [0, 0]], [[1, 2], [3, 4]]]
    mem.rollback()
    assert not mem.read(base, 32).any()


@pytest.mark.parametrize("stride", [1, 2, 3, 8])
def test_overlapping_copies_match_one_sample_at_a_time(stride):
    """A DMA whose rows overlap its source runs row after row: the batch does the same."""
    data = RNG.integers(-128, 128, (4, 64), dtype=np.int8)
    base = THETIS.l1_base(0)
    batch = BatchMemory(THETIS, 4)
    batch.write(base, data)
    batch.copy2d(base, base + 3, 6, 5, stride, stride)
    for i in range(4):
        one = Memory(THETIS)
        one.write(base, data[i])
        one.copy2d(base, base + 3, 6, 5, stride, stride)
        assert np.array_equal(one.read(base, 64), batch.read(base, 64)[i])


def test_an_access_outside_the_map_is_refused_in_a_batch():
    from convc.runtime.stream import StreamError
    with pytest.raises(StreamError, match="outside the memory map"):
        BatchMemory(THETIS, 2).view(0xFFFFFF00, 1, 512, 512)


# -- programs -----------------------------------------------------------------------------------

def _alone(program_args, samples):
    """Each sample in a program of its own, so nothing carries over."""
    return [Program(*program_args, batch=1).run(s) for s in samples]


def _assert_same(batched, alone):
    assert len(batched) == len(alone)
    for b, a in zip(batched, alone):
        for name in a.outputs_int8:
            assert np.array_equal(b.outputs_int8[name], a.outputs_int8[name])
            assert np.array_equal(b.outputs[name], a.outputs[name])
        assert b.counters == a.counters


def _samples(compiled, n, seed=0):
    rng = np.random.default_rng(seed)
    return [{t.name: rng.standard_normal(t.shape).astype(np.float32) for t in compiled.stream.inputs}
            for _ in range(n)]


@pytest.fixture(scope="module")
def thetis_models(models_dir):
    return {name: compile_model(models_dir / f"{name}.onnx", resolve("thetis"), calib=models_dir / f"{name}.calib.npz")
            for name in ("resnet_mini", "mobilenetv2_mini", "mlp")}


@pytest.mark.parametrize("name", ["resnet_mini", "mobilenetv2_mini", "mlp"])
@pytest.mark.parametrize("n, batch", [(1, 16), (3, 16), (64, 64), (5, 2)])
def test_a_batch_equals_its_samples_run_alone(thetis_models, name, n, batch):
    c = thetis_models[name]
    samples = _samples(c, n)
    args = (c.stream, c.target)
    alone = _alone(args, samples) if n <= 5 else None
    batched = Program(*args, batch=batch).run_samples(samples)
    if alone is None:  # 64 samples: the per-sample runs are the slow part; check one in eight
        alone = _alone(args, samples[::8])
        batched = batched[::8]
    _assert_same(batched, alone)


def test_run_batch_stacks_what_run_gives(thetis_models):
    c = thetis_models["resnet_mini"]
    x = np.concatenate([s[c.stream.inputs[0].name] for s in _samples(c, 3)])
    outputs, counters = Program(c.stream, c.target).run_batch(x)
    alone = [Program(c.stream, c.target).run(x[i:i + 1]) for i in range(3)]
    name = c.output_names[0]
    assert np.array_equal(outputs[name], np.concatenate([r.outputs[name] for r in alone]))
    assert counters == [r.counters for r in alone]


def test_analog_noise_draws_per_sample_in_a_batch(models_dir):
    """diana's analog arrays run sample after sample inside a batch; sample i of a program
    still draws its noise from seed (seed, i)."""
    c = compile_model(models_dir / "digits_cnn_ternary.onnx", resolve("diana"),
                      calib=models_dir / "digits_cnn_ternary.calib.npz", warn=lambda m: None)
    samples = _samples(c, 4)
    batched = Program(c.stream, c.target, analog_noise=(2.0, 7), batch=4).run_samples(samples)
    one_by_one = Program(c.stream, c.target, analog_noise=(2.0, 7), batch=1)
    alone = [one_by_one.run(s) for s in samples]
    _assert_same(batched, alone)
    outs = [r.outputs_int8[c.output_names[0]] for r in batched]
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])  # the inputs differ, so do the outputs


def test_processes_split_the_samples_without_changing_a_bit(models_dir, tmp_path):
    """`convc run --jobs 2`: parts of the samples run in worker processes, each sample with
    its own noise seed (seed, i) as in one process."""
    import shutil
    c = compile_model(models_dir / "digits_cnn_ternary.onnx", resolve("diana"),
                      calib=models_dir / "digits_cnn_ternary.calib.npz", warn=lambda m: None)
    (tmp_path / "stream.bin").write_bytes(c.stream.encode())
    shutil.copy(resolve("diana"), tmp_path / "target.toml")
    samples = _samples(c, 7)
    one = Program.load(tmp_path, analog_noise=(1.5, 3), batch=2).run_samples(samples)
    split = Program.load(tmp_path, analog_noise=(1.5, 3), batch=2)
    _assert_same(split.run_samples(samples, jobs=2), one)
    assert split._runs == 7  # a second call goes on with sample index 7, as in one process


def test_spiking_layers_keep_their_own_measured_activity(models_dir, tmp_path):
    """The SNE's cost follows each sample's spikes: a batch keeps per-sample counters."""
    ann = tmp_path / "snn.cva"
    ann.write_text('version 1\nplace "/6/Gemm" on snn\n')
    c = compile_model(models_dir / "digits_cnn.onnx", resolve("kraken"), calib=models_dir / "digits_cnn.calib.npz",
                      annotations=ann, timesteps=4, warn=lambda m: None)
    samples = _samples(c, 3, seed=4)
    batched = Program(c.stream, c.target, batch=3).run_samples(samples)
    _assert_same(batched, _alone((c.stream, c.target), samples))
    assert batched[0].counters.activity and len({r.counters.total_cycles for r in batched}) > 1


def _one_dma_stream(row_bytes: int, rows: int) -> Stream:
    return Stream(meta={}, queues={0: [Command.make(Op.DMA, src=0, dst=0, rows=rows, row_bytes=row_bytes,
                                                    src_stride=row_bytes, dst_stride=row_bytes)]})


def test_the_default_batch_shrinks_with_the_largest_activation():
    # A batch whose largest tensors leave the caches is slower per sample than a small one
    # (host.TENSOR_BYTES): MobileNetV2's 1.2 MB feature maps run 2 at a time, small models 16.
    assert default_batch(_one_dma_stream(64, 512)) == BATCH
    assert default_batch(_one_dma_stream(96 * 112, 112)) == 2  # 112x112x96 int8
    assert default_batch(_one_dma_stream(TENSOR_BYTES, 2)) == 1
