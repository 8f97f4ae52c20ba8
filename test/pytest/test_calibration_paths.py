"""The calibration's fast paths (issue 13) give the values of the plain interpreter bit for
bit, so the quantization parameters cannot move: constants read once as views of their
attributes, and pointwise convolutions as one dot. (Dropping values after their last use
changes memory, not values; test_end_to_end's stream hashes pin the rest.)"""
import numpy as np
import pytest

from convc.dialects.integer import window_patches
from convc.driver.pipeline import PIPELINE, compile_model, input_shapes, load_calibration
from convc.frontend import tosa_eval
from convc.ir.util import entry_func
from convc.targets import resolve

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape, stride", [((1, 14, 14, 32), 1), ((1, 7, 7, 64), 1), ((1, 8, 8, 16), 2)])
def test_a_pointwise_conv_is_the_dot_of_its_windows(shape, stride):
    x = RNG.standard_normal(shape).astype(np.float32)
    w = RNG.standard_normal((24, 1, 1, shape[3])).astype(np.float32)
    b = RNG.standard_normal(24).astype(np.float32)
    patches = window_patches(x, (1, 1), [stride, stride], [0, 0, 0, 0], [1, 1])
    want = (np.tensordot(patches, w, axes=([3, 4, 5], [1, 2, 3])) + b).astype(np.float32)

    class Op:  # the attributes _conv2d reads, without building MLIR
        operands = ["x", "w", "b"]
    got = _conv_with(Op, {"x": x, "w": w, "b": b}, stride)
    assert np.array_equal(got, want)


def _conv_with(op, env, stride):
    real = tosa_eval.int_array
    tosa_eval.int_array = lambda _, name: {"stride": [stride, stride], "pad": [0, 0, 0, 0], "dilation": [1, 1]}[name]
    try:
        return tosa_eval._conv2d(op, env)
    finally:
        tosa_eval.int_array = real


@pytest.mark.parametrize("name", ["resnet_mini", "mobilenetv2_mini"])
def test_constants_read_once_record_what_reading_them_every_sample_does(models_dir, name):
    compiled = compile_model(models_dir / f"{name}.onnx", resolve("thetis"), calib=models_dir / f"{name}.calib.npz",
                             stop_after=PIPELINE[4].name, warn=lambda m: None)  # TOSA as quantize sees it
    samples = load_calibration(models_dir / f"{name}.sample.npz", input_shapes(compiled.onnx_model))[:3]
    with compiled.module.context:
        func = entry_func(compiled.module.operation)
        plain, fast, constants = [], [], {}
        for sample in samples:
            plain.append(_recorded(func, sample, None))
            fast.append(_recorded(func, sample, constants))
    assert constants and all(not v.flags.writeable for v in constants.values())  # views, not copies
    for a, b in zip(plain, fast):
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _recorded(func, sample, constants):
    seen = []
    tosa_eval.run_function(func, sample, record=lambda op, v: seen.append(np.array(v)), constants=constants)
    return seen


@pytest.mark.parametrize("bits", [8, 4])
def test_the_clipping_search_picks_what_the_textbook_formula_picks(bits):
    """mse_optimal_range folds the zero point into the clip bounds; the written-out
    quantize-dequantize gives the same errors, so the same range."""
    import math
    from convc.quant_math import activation_qparams, code_range, mse_optimal_range
    samples = np.concatenate([RNG.standard_normal(20000) * 0.5, RNG.standard_normal(200) * 6 + 3])
    lo, hi = float(samples.min()), float(samples.max())
    qmin, qmax = code_range(bits)
    best, best_err = (lo, hi), math.inf
    for frac in np.linspace(1.0, 0.2 if bits == 8 else 0.05, 64):
        scale, zp = activation_qparams(lo * frac, hi * frac, bits)
        deq = (np.clip(np.rint(samples / scale) + zp, qmin, qmax) - zp) * scale
        err = float(np.mean((deq - samples) ** 2))
        if err < best_err * (1 - 1e-9):
            best, best_err = (lo * frac, hi * frac), err
    assert mse_optimal_range(samples, lo, hi, bits=bits) == best
