#!/usr/bin/env python3
"""Generate the small ONNX models that convc's tests and benchmarks compile.

    python tools/make_models.py --out build/models [--only NAME ...]

For each model NAME it writes DIR/NAME.onnx, DIR/NAME.calib.npz (calibration
inputs) and DIR/NAME.sample.npz (8 other inputs for verification); each npz maps
the ONNX input name ("x") to a float32 array stacked on the batch axis.
digits_cnn also gets DIR/digits_cnn.test.npz (x: inputs, y: int64 labels).

Output is byte-identical between runs (fixed seeds, one thread, deterministic
algorithms, no timestamps in the npz zips, no doc strings in the ONNX files),
so a cache can be keyed on this file's hash.
"""
import argparse
import collections
import contextlib
import io
import shutil
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loaded by path from tests and bench
from networks import (AlexNetLRN, ConvAutoencoder, ConvChain, EfficientNetLite0, MobileNetV2, MobileNetV2Mini,  # noqa: E402
                      ResNet18, ResNet50, ResNetMini, TinyViT, YoloHead, digits_cnn, mlp)

OPSET = 17
N_CALIB = 64          # synthetic models: random calibration inputs
N_CALIB_224 = 16      # 224x224 networks: fewer, each costs a full float evaluation
N_CALIB_DIGITS = 128  # digits: drawn from the training split
N_SAMPLE = 8


# ---------------------------------------------------------------- helpers

def seed_everything(seed):
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # reductions split over threads may reorder sums


def randomize_layer_norms(model, seed):
    """LayerNorm initialises to gamma 1, beta 0, which torch-mlir folds away; trained models
    have real ones, and the compiler must fold them into its integer gains and offsets."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(0.6 + 0.8 * torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.4 * torch.rand(m.bias.shape, generator=g) - 0.2)


def randomize_bn(model, shape, seed):
    """Give every BN a non-trivial gamma/beta and running stats, so that the
    compiler's BN folding changes numbers (defaults 1/0 would hide bugs)."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5, generator=g)
            bn.bias.normal_(0.0, 0.2, generator=g)
            bn.momentum = None  # cumulative average over the batches below
        # Running stats from real forward passes keep activations in range.
        model.train()
        for _ in range(4):
            model(torch.randn(16, *shape[1:], generator=g))
        # Zero-mean inputs give near-zero means in the first layers: nudge the
        # stats (by a fraction of a std) so that the mean term is exercised too.
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean += 0.3 * std * torch.randn(std.shape, generator=g)
            bn.running_var *= torch.empty(std.shape).uniform_(0.8, 1.25, generator=g)
    model.eval()


def cleanup(proto):
    """Make the TorchScript export tidier for the compiler's importer:
    Constant nodes become initializers, Identity-of-initializer (the exporter's
    dedup of equal tensors) becomes a copy, and doc strings go (determinism)."""
    g = proto.graph
    inits = {t.name: t for t in g.initializer}
    keep = []
    for n in g.node:
        if n.op_type == "Constant" and n.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
        elif n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    proto.doc_string = ""
    for n in g.node:
        n.doc_string = ""
    return proto


def export(model, shape, path):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation notices
        # PRESERVE with the module in eval mode: BN stays a BatchNormalization
        # node (EVAL mode would fuse it into the Conv); no constant folding.
        torch.onnx.export(model, (torch.zeros(shape),), buf, dynamo=False,
                          opset_version=OPSET, input_names=["x"], output_names=["y"],
                          training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=False)
    proto = cleanup(onnx.load_from_string(buf.getvalue()))
    onnx.checker.check_model(proto, full_check=True)
    path.write_bytes(proto.SerializeToString())
    return proto


def save_npz(path, **arrays):
    """np.savez stamps each member with the current time; write the zip
    ourselves with a fixed date so that reruns are byte-identical."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            b = io.BytesIO()
            np.lib.format.write_array(b, np.ascontiguousarray(arrays[key]),
                                      allow_pickle=False)
            zf.writestr(info, b.getvalue())


def op_histogram(proto):
    return dict(sorted(collections.Counter(n.op_type for n in proto.graph.node).items()))


def ort_predict(onnx_path, x):
    """Run the batch-1 model over x one sample at a time; returns [N, 10]."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    return np.concatenate([sess.run(None, {"x": x[i:i + 1]})[0] for i in range(len(x))])


def ort_quantize_static(fp32_path, calib_path, out_path, batch=1):
    """onnxruntime's static INT8 of a model (QDQ, per-channel int8 weights, int8 activations),
    calibrated on `calib_path`: the peer of convc's own quantization in bench/, and a
    pre-quantized model convc imports (frontend/qdq.py)."""
    fp32_path, calib_path, out_path = (Path(p).resolve() for p in (fp32_path, calib_path, out_path))
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    class NpzReader(CalibrationDataReader):
        """Feeds the calibration npz one sample (`batch` rows) at a time."""
        def __init__(self):
            with np.load(calib_path) as z:
                self.items = iter([{k: z[k][i:i + batch] for k in z.files}
                                  for i in range(0, len(z["x"]), batch)])

        def get_next(self):
            return next(self.items, None)

    # ORT's recommended flow: shape inference + graph cleanup before quantizing. Its symbolic
    # shape inference gives up on the exported BatchNormalization nodes of the 224x224
    # networks; ONNX's own shape inference (still run) is enough for static shapes.
    from onnxruntime.quantization.shape_inference import quant_pre_process
    prep_path = out_path.with_suffix(".prep.onnx")
    # onnxruntime writes temporary external-data files into the working directory.
    with contextlib.chdir(out_path.parent):
        quant_pre_process(str(fp32_path), str(prep_path), skip_symbolic_shape=True)
        quantize_static(str(prep_path), str(out_path), NpzReader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8)
    return out_path


# ---------------------------------------------------------------- builders
# Each builder seeds itself, so --only NAME gives the same bytes as a full run.

def build_synthetic(name, make, shape, seed, out, n_calib=N_CALIB):
    seed_everything(seed)
    model = make()
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        randomize_bn(model, shape, seed + 1)
    randomize_layer_norms(model, seed + 2)
    model.eval()
    paths = {"onnx": out / f"{name}.onnx", "calib": out / f"{name}.calib.npz",
             "sample": out / f"{name}.sample.npz"}
    proto = export(model, shape, paths["onnx"])
    rng = np.random.default_rng(seed)
    batch = shape[0]  # samples are stacked on the batch axis: batch rows per sample
    save_npz(paths["calib"], x=rng.standard_normal((n_calib * batch, *shape[1:]), dtype=np.float32))
    save_npz(paths["sample"], x=rng.standard_normal((N_SAMPLE * batch, *shape[1:]), dtype=np.float32))
    return paths, proto


def _digits_data(seed):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]  # [N,1,8,8] in [0,1]
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)


def _train(model, xtr, ytr, epochs, seed, lr=3e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=g).split(32):
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
    model.eval()


def _save_digits(out, name, model, xtr, xte, yte, seed):
    paths = {"onnx": out / f"{name}.onnx", "calib": out / f"{name}.calib.npz",
             "sample": out / f"{name}.sample.npz", "test": out / f"{name}.test.npz"}
    proto = export(model, (1, 1, 8, 8), paths["onnx"])
    # Calibration and samples come from the training split, disjoint from each other.
    pick = np.random.default_rng(seed).permutation(len(xtr))
    save_npz(paths["calib"], x=xtr[pick[:N_CALIB_DIGITS]])
    save_npz(paths["sample"], x=xtr[pick[N_CALIB_DIGITS:N_CALIB_DIGITS + N_SAMPLE]])
    save_npz(paths["test"], x=xte, y=yte)
    return paths, proto


def build_digits(out, seed=3):
    seed_everything(seed)
    xtr, xte, ytr, yte = _digits_data(seed)
    model = digits_cnn()
    _train(model, xtr, ytr, 12, seed)
    return _save_digits(out, "digits_cnn", model, xtr, xte, yte, seed)


class TernarySTE(nn.Module):
    """A weight parametrization for quantization-aware training: the forward pass sees the
    per-output-channel ternary weights convc will program (quant_math.weight_qparams: threshold
    0.7 * mean|w|, scale = mean |w| above it), the backward pass the identity (straight-through
    estimator), so the float weights learn to work as ternary ones."""

    def forward(self, w):
        rows = w.reshape(w.shape[0], -1)
        delta = 0.7 * rows.abs().mean(dim=1, keepdim=True)
        keep = (rows.abs() > delta).to(w.dtype)
        scale = (rows.abs() * keep).sum(dim=1, keepdim=True) / keep.sum(dim=1, keepdim=True).clamp(min=1)
        return w + ((torch.sign(rows) * keep * scale).reshape(w.shape) - w).detach()


DIGITS_TERNARY_LAYERS = (2, 6)  # the second conv and the hidden Linear; the first and last stay int8


def build_digits_ternary(out, seed=3):
    """digits_cnn trained for the analog array: the float model's training, then fine-tuning with
    ternary weights (TernarySTE) on the layers meant for it. The exported weights are exactly
    ternary per channel, so convc's ternarization leaves them unchanged."""
    from torch.nn.utils import parametrize

    seed_everything(seed)
    xtr, xte, ytr, yte = _digits_data(seed)
    model = digits_cnn()
    _train(model, xtr, ytr, 12, seed)
    for i in DIGITS_TERNARY_LAYERS:
        parametrize.register_parametrization(model[i], "weight", TernarySTE())
    _train(model, xtr, ytr, 12, seed + 1, lr=1e-3)
    for i in DIGITS_TERNARY_LAYERS:
        parametrize.remove_parametrizations(model[i], "weight", leave_parametrized=True)
    return _save_digits(out, "digits_cnn_ternary", model, xtr, xte, yte, seed)


BUILDERS = {
    "resnet_mini": lambda out: build_synthetic("resnet_mini", ResNetMini, (1, 3, 32, 32), 0, out),
    "mobilenetv2_mini": lambda out: build_synthetic("mobilenetv2_mini", MobileNetV2Mini, (1, 3, 32, 32), 1, out),
    "mlp": lambda out: build_synthetic("mlp", mlp, (1, 256), 2, out),
    "digits_cnn": build_digits,
    "digits_cnn_ternary": build_digits_ternary,  # issue 10: ternary-aware training for the analog array
    # Real-size networks (issue 9): ImageNet shapes and exporters' node patterns.
    "resnet18": lambda out: build_synthetic("resnet18", ResNet18, (1, 3, 224, 224), 4, out, N_CALIB_224),
    "mobilenetv2": lambda out: build_synthetic("mobilenetv2", MobileNetV2, (1, 3, 224, 224), 5, out, N_CALIB_224),
    "efficientnet_lite0": lambda out: build_synthetic("efficientnet_lite0", EfficientNetLite0, (1, 3, 224, 224), 6,
                                                      out, N_CALIB_224),
    "yolo_head": lambda out: build_synthetic("yolo_head", YoloHead, (1, 3, 128, 128), 7, out, N_CALIB_224),
    "yolo_head_b2": lambda out: build_synthetic("yolo_head_b2", YoloHead, (2, 3, 128, 128), 7, out, N_CALIB_224),
    "vit_tiny": lambda out: build_synthetic("vit_tiny", TinyViT, (1, 3, 32, 32), 9, out),
    "autoencoder": lambda out: build_synthetic("autoencoder", ConvAutoencoder, (1, 1, 64, 64), 8, out, N_CALIB_224),
    "alexnet_lrn": lambda out: build_synthetic("alexnet_lrn", AlexNetLRN, (1, 3, 32, 32), 10, out),
}


def build_qdq(out, base="resnet_mini"):
    """A pre-quantized model: onnxruntime's quantize_static of `base` (QDQ form), with its
    calibration and sample inputs."""
    paths, _ = BUILDERS[base](out)
    name = f"{base}_qdq"
    qdq = {"onnx": out / f"{name}.onnx", "calib": out / f"{name}.calib.npz", "sample": out / f"{name}.sample.npz"}
    ort_quantize_static(paths["onnx"], paths["calib"], qdq["onnx"])
    for kind in ("calib", "sample"):
        shutil.copyfile(paths[kind], qdq[kind])
    for leftover in out.glob(f"{name}.prep.onnx"):
        leftover.unlink()
    return qdq, onnx.load(str(qdq["onnx"]))


BUILDERS["resnet_mini_qdq"] = build_qdq
# Benchmark-only models (bench/speed.py), not in the default set the tests build: ResNet-50,
# and the same block repeated for the compile-time scaling table.
CHAIN_DEPTHS = (25, 50, 100, 200)
SCALING = {"resnet50": lambda out: build_synthetic("resnet50", ResNet50, (1, 3, 224, 224), 11, out, N_CALIB_224),
           **{f"conv_chain_{d}": (lambda d: lambda out: build_synthetic(
               f"conv_chain_{d}", lambda: ConvChain(d), (1, 3, 16, 16), 12, out, 8))(d) for d in CHAIN_DEPTHS}}
MODEL_NAMES = tuple(BUILDERS)


def make_all(out_dir, names=None, verbose=False):
    """Write the models named in `names` (default: all) into out_dir.
    Returns {name: {"onnx"|"calib"|"sample"[|"test"]: Path}}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for name in names or MODEL_NAMES:
        builder = BUILDERS.get(name) or SCALING.get(name)
        if builder is None:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES + tuple(SCALING))}")
        paths, proto = builder(out)
        ops = op_histogram(proto)
        if name in ("resnet_mini", "mobilenetv2_mini", "resnet18", "resnet50", "mobilenetv2", "efficientnet_lite0"):
            # The compiler folds BN itself; a fused export would not test that.
            assert ops.get("BatchNormalization"), f"{name}: BN was fused away"
        if verbose:
            print(f"{name}: {paths['onnx']}")
            print("  ops: " + ", ".join(f"{k} {v}" for k, v in ops.items()))
            if "test" in paths:
                t = np.load(paths["test"])
                acc = float((ort_predict(paths["onnx"], t["x"]).argmax(1) == t["y"]).mean())
                print(f"  FP32 onnxruntime test accuracy: {acc:.4f} ({len(t['y'])} samples)")
        result[name] = paths
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--only", nargs="+", choices=MODEL_NAMES + tuple(SCALING), metavar="NAME",
                    help=f"subset of: {' '.join(MODEL_NAMES)}; or the benchmark-only {' '.join(SCALING)}")
    args = ap.parse_args(argv)
    make_all(args.out, args.only, verbose=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
