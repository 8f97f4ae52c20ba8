"""ANN-to-SNN conversion (convc-convert-to-snn, engines/snn_conversion.py): the fitted integers,
converted layers of real models verified bit-exactly on kraken and close to the ANN, spikes
passed between consecutive converted layers, the cost model's choice, and refusals."""
import json
import tomllib

import numpy as np
import pytest

from convc.driver.pipeline import compile_model, load_calibration
from convc.driver.verify import verify
from convc.driver import int_reference
from convc.engines.snn_conversion import MAX_BIAS_INPUTS, bias_level, rate_scale, spiking_weights, split_bias
from convc.ir.util import body_ops, entry_func
from convc.targets import resolve
from helpers import assert_one_line_error, convc

RNG = np.random.default_rng(5)


def test_the_fitted_integers_reproduce_the_drive_on_the_inputs():
    """A 200-input layer fed by rates: its integer drive per step (codes * 2^shift / threshold)
    follows the ideal one within a fraction of its spread, with 4-bit codes."""
    drive = RNG.normal(0, 0.02, (200, 30))
    rates = RNG.random((16, 200)) * 0.5
    fit, scale = spiking_weights(drive, RNG.normal(0, 0.05, 30), rates, None, 4, 8, 15, -8)
    assert scale == 1.0 and fit.codes.min() >= -8 and fit.codes.max() <= 7
    assert np.all((1 <= fit.thresholds) & (fit.thresholds <= 64))  # a quarter of the 8-bit range
    got = rates @ (fit.codes[:200] * 2.0 ** fit.shift / fit.thresholds)
    ideal = rates @ drive
    assert np.sqrt(((got - ideal) ** 2).mean()) < 0.2 * ideal.std()  # about 13%: 4-bit codes on many small weights


def test_a_direct_layer_chooses_coarser_currents_when_its_weights_are_small():
    """Int8 currents into 512 small weights: one current unit is a sliver of a threshold, so
    the fit gives up current resolution (scale < 1) for weight resolution."""
    x = RNG.integers(0, 255, (8, 512)).astype(float)
    drive = RNG.normal(0, 2e-4, (512, 16))
    _, scale = spiking_weights(drive, np.zeros(16), x, [1.0, 0.5, 0.25, 0.125, 1 / 16, 1 / 32], 4, 8, 15, 0)
    assert scale < 1.0


def test_biases_split_over_always_on_inputs_sum_exactly_within_the_codes():
    codes = np.array([0, 7, -8, 20, -21, 5])
    rows = split_bias(codes, 3)
    assert rows.sum(axis=0).tolist() == codes.tolist()
    assert rows.min() >= -8 and rows.max() <= 7


def test_a_large_bias_per_unit_input_rides_on_a_higher_level_not_on_dozens_of_inputs():
    """A layer that divides its current by 2^7 needs a bias of hundreds of codes per unit of
    always-on input: inputs of 1 would need 100 of them (clipped at 16); a level of 64 needs 2."""
    per_unit = np.array([717.0, -300.0, 5.0, 0.0])
    level, codes, needed = bias_level(per_unit, 7)
    assert (level, needed) == (64, 2) and needed <= MAX_BIAS_INPUTS
    assert np.all(np.abs(codes * level - per_unit) <= level / 2)
    assert bias_level(np.array([3.0, -9.0]), 7)[:1] == (1,)  # small biases keep inputs of 1


def test_the_rate_scale_is_a_high_percentile_not_the_maximum():
    values = np.concatenate([np.full(9990, 40), np.full(10, 120)])
    assert rate_scale(values) == pytest.approx(40.0, abs=1)
    assert rate_scale(np.zeros(5)) == 1.0  # a silent layer still gets a usable scale


def _compile(models_dir, tmp_path, name, rules, timesteps=16, target="kraken"):
    ann = None
    if rules:
        ann = tmp_path / "snn.cva"
        ann.write_text("version 1\n" + "".join(f'place "{r}" on snn\n' for r in rules))
    warnings = []
    compiled = compile_model(models_dir / f"{name}.onnx", target if target.endswith(".toml") else resolve(target),
                             calib=models_dir / f"{name}.calib.npz", annotations=ann, timesteps=timesteps,
                             warn=warnings.append)
    return compiled, warnings


def _ops(compiled):
    with compiled.module.context:
        out = []
        for op in body_ops(entry_func(compiled.module.operation)):
            attrs = op.operation.attributes
            out.append((op.operation.name, {attrs[i].name: str(attrs[i].attr) for i in range(len(attrs))}))
        return out


def _digits(models_dir, n=16):
    return load_calibration(models_dir / "digits_cnn.test.npz", {"x": [1, 1, 8, 8]})[:n]


def test_the_digits_hidden_layer_converted_runs_on_the_sne_exactly_and_close_to_the_ann(models_dir, tmp_path):
    compiled, _ = _compile(models_dir, tmp_path, "digits_cnn", ["/6/Gemm"])
    ops = _ops(compiled)
    lif = [a for n, a in ops if n == "snn.lif"]
    assert len(lif) == 1 and lif[0]["convc.engine"] == '"snn"' and lif[0]["reset"] == '"subtract"'
    decoders = [a for n, a in ops if n == "dpu.avgpool"]
    assert len(decoders) == 1 and decoders[0]["convc.engine"] == '"host"'  # counted on the cluster
    result = verify(compiled, models_dir / "digits_cnn.onnx", _digits(models_dir))
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.97 and result["top1_agreement"] >= 0.9, result


def test_more_time_steps_approximate_the_ann_better(models_dir, tmp_path):
    cosine = {}
    for steps in (4, 32):
        compiled, _ = _compile(models_dir, tmp_path, "digits_cnn", ["/6/Gemm"], timesteps=steps)
        cosine[steps] = verify(compiled, models_dir / "digits_cnn.onnx", _digits(models_dir, 8))["cosine_mean"]
    assert 1 - cosine[32] < (1 - cosine[4]) / 3, cosine  # the error shrinks with the rate resolution


def test_consecutive_converted_layers_pass_spikes_not_codes(models_dir, tmp_path):
    compiled, _ = _compile(models_dir, tmp_path, "mlp", ["/0/Gemm", "/2/Gemm"])
    names = [n for n, _ in _ops(compiled)]
    assert names.count("snn.lif") == 2 and names.count("dpu.avgpool") == 1  # one decoder, after the second
    first_lif, second_encode = names.index("snn.lif"), [i for i, n in enumerate(names) if n == "snn.encode"][1]
    assert not any(n.startswith("dpu.") for n in names[first_lif:second_encode]), names  # spikes straight on
    x = load_calibration(models_dir / "mlp.sample.npz", {"x": [1, 256]})[:4]
    result = verify(compiled, models_dir / "mlp.onnx", x)
    assert result["integer_exact"] is True and result["cosine"] > 0.9, result


def test_the_cost_model_converts_where_spiking_is_cheaper_and_says_so(models_dir, tmp_path):
    compiled, warnings = _compile(models_dir, tmp_path, "digits_cnn", [], timesteps=16)
    assert "snn.lif" not in [n for n, _ in _ops(compiled)] and not any("converted" in w for w in warnings)
    spec = tomllib.loads(resolve("kraken").read_text())
    cheap = resolve("kraken").read_text().replace("cycles_per_event = 0.0625", "cycles_per_event = 0.001")
    assert cheap != resolve("kraken").read_text() and spec["name"] == "kraken"
    path = tmp_path / "cheap_sne.toml"
    path.write_text(cheap)
    compiled, warnings = _compile(models_dir, tmp_path, "digits_cnn", [], target=str(path))
    names = [n for n, _ in _ops(compiled)]
    # the first convolution (9 MACs per output) stays cheaper on the cluster than its chain
    assert names.count("snn.lif") == 1 and names.count("snn.lif_conv") == 1
    assert any("cost model converted layer(s) /2/Conv, /6/Gemm" in w for w in warnings), warnings


def test_the_digits_convolutions_convert_and_pass_spikes_between_them(models_dir, tmp_path):
    """Both 3x3 ReLU convolutions on the SNE as `snn.lif_conv`: the first encodes the image as
    currents with its bias on always-on channels, the second takes the first's spike raster
    (no decoder between them), the max pool and the rest stay on the cluster."""
    compiled, _ = _compile(models_dir, tmp_path, "digits_cnn", ["/0/Conv", "/2/Conv"])
    ops = _ops(compiled)
    names = [n for n, _ in ops]
    convs = [a for n, a in ops if n == "snn.lif_conv"]
    assert len(convs) == 2 and all(a["convc.engine"] == '"snn"' for a in convs)
    assert names.count("dpu.avgpool") == 1  # only the second convolution is decoded
    encodes = [a for n, a in ops if n == "snn.encode"]
    assert int(encodes[0]["bias_inputs"].split(":")[0]) > 0
    result = verify(compiled, models_dir / "digits_cnn.onnx", _digits(models_dir))
    # measured at T = 16: cosine 0.964 (the worst of these 16 samples), mean 0.991, top-1 1.0
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.94 and result["cosine_mean"] >= 0.98 and result["top1_agreement"] >= 0.9, result


def test_converted_counts_round_instead_of_truncating(models_dir, tmp_path):
    """The first convolution converted at T = 4, compared with the ANN's int8 output on the
    same images: half a threshold of extra charge makes each count round(T u), so the decoded
    codes have no bias (without it: -30 codes on the active outputs, half a spike of Λ / T; the
    silent ones stay exact either way)."""
    def conv1_output(rules, steps):
        ann = tmp_path / "rules.cva"
        ann.write_text("version 1\n" + "".join(rules))
        compiled = compile_model(models_dir / "digits_cnn.onnx", resolve("kraken"),
                                 calib=models_dir / "digits_cnn.calib.npz", annotations=ann, timesteps=steps,
                                 warn=lambda m: None)
        seen = []

        def before(op, operands):  # the second convolution's input is the first's output
            if op.operation.name == "imc.conv2d":
                seen.append(np.stack([o[0] for o in operands]).astype(float))

        with compiled.module.context:
            int_reference.run_samples(compiled.module, _digits(models_dir, 24), before)
        return seen[-1]

    ann = conv1_output(['place "/0/Conv" on host\n', 'place "/2/Conv" on host\n', 'place "/6/Gemm" on host\n'], 4)
    snn = conv1_output(['place "/0/Conv" on snn\n', 'place "/2/Conv" on host\n', 'place "/6/Gemm" on host\n'], 4)
    active = ann > ann.min()
    assert abs((snn - ann)[active].mean()) < 4 and np.array_equal(snn[~active], ann[~active])


def test_conversion_is_deterministic(models_dir, tmp_path):
    a, _ = _compile(models_dir, tmp_path, "digits_cnn", ["/6/Gemm"])
    b, _ = _compile(models_dir, tmp_path, "digits_cnn", ["/6/Gemm"])
    assert a.stream.encode() == b.stream.encode()


def test_a_layer_that_cannot_spike_is_refused_in_one_line(models_dir, tmp_path):
    ann = tmp_path / "bad.cva"
    ann.write_text('version 1\nplace "/8/Gemm" on snn\n')
    proc = convc(models_dir / "digits_cnn.onnx", "--target", "kraken", "--calib", models_dir / "digits_cnn.calib.npz",
                 "--annotations", ann, "-o", tmp_path / "out")
    assert_one_line_error(proc, "bad.cva:2:1", "'/8/Gemm' cannot become a spiking layer", "no ReLU")
    proc = convc(models_dir / "digits_cnn.onnx", "--target", "kraken", "--timesteps", "0", "-o", tmp_path / "out")
    assert_one_line_error(proc, "--timesteps must be at least 1")


def test_rate_coded_inputs_run_bit_exactly_and_a_bad_encoding_is_a_usage_error(models_dir, tmp_path):
    """`--spike-encoding rate,7`: the converted layer's codes become seeded spike trains drawn
    on the SNE (SNN_RATE_ENCODE), the same bits in the runtime and the integer reference."""
    (tmp_path / "snn.cva").write_text('version 1\nplace "/6/Gemm" on snn\n')
    common = [models_dir / "digits_cnn.onnx", "--target", "kraken", "--calib", models_dir / "digits_cnn.calib.npz",
              "--annotations", tmp_path / "snn.cva"]
    proc = convc(*common, "--spike-encoding", "rate,7", "-o", tmp_path / "out", "--verify")
    assert proc.returncode == 0, proc.stderr
    assert "integer_exact=True" in proc.stdout
    assert "SNN_RATE_ENCODE" in (tmp_path / "out" / "stream.txt").read_text()
    bad = convc(*common, "--spike-encoding", "poisson", "-o", tmp_path / "bad")
    assert bad.returncode == 2 and "expected direct, rate or rate,SEED" in bad.stderr


def test_the_report_gives_each_spiking_layers_measured_spikes_and_energy(models_dir, tmp_path):
    """--verify runs the stream: each converted layer's row in report.json gets what it really
    did per inference (spikes, synaptic events, cycles, energy), and report.txt lists them."""
    (tmp_path / "snn.cva").write_text('version 1\nplace "/0/Conv" on snn\nplace "/6/Gemm" on snn\n')
    proc = convc(models_dir / "digits_cnn.onnx", "--target", "kraken", "--calib", models_dir / "digits_cnn.calib.npz",
                 "--annotations", tmp_path / "snn.cva", "-o", tmp_path / "out", "--verify")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["layers"]
    measured = {row["node"]: row["measured"] for row in rows if "measured" in row}
    assert sorted(measured) == ["/0/Conv", "/6/Gemm"]
    assert all(m["spikes"] > 0 and m["events"] > 0 and m["energy_uj"] > 0 for m in measured.values())
    text = (tmp_path / "out" / "report.txt").read_text()
    assert "/0/Conv (snn.lif_conv):" in text and "all spiking layers:" in text
