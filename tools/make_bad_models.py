#!/usr/bin/env python3
"""A corpus of malformed and unusual models, the kind a new user brings: weights fed as inputs,
integer inputs, NaN calibration data, old opsets, grouped convolutions, 3-D ops, dynamic
shapes, unsupported ops, empty graphs, huge dimensions, a file that is not ONNX.

    python tools/make_bad_models.py --out build/bad_models

Writes NAME.onnx (and NAME.calib.npz where the case is about calibration data) per case and
`cases.json`: for each case, whether convc should compile it ("ok") or refuse it ("error")
and a word the error line must contain. test/pytest/test_bad_models.py runs the CLI over it:
rc 0 with a stream that verifies, or rc != 0 with one `error:` line, never a traceback.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def _vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def _init(name, *shape):
    return numpy_helper.from_array((RNG.standard_normal(shape) * 0.3).astype(np.float32), name)


def _model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def conv_weights_as_input():
    return _model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv_w_input")],
                  [_vi("x", [1, 4, 6, 6]), _vi("w", [4, 4, 3, 3])], [_vi("y", [1, 4, 4, 4])])


def integer_input():
    return _model([helper.make_node("Cast", ["x"], ["f"], name="cast", to=TensorProto.FLOAT),
                   helper.make_node("Relu", ["f"], ["y"], name="relu")],
                  [_vi("x", [1, 8], TensorProto.INT8)], [_vi("y", [1, 8])])


def integer_relu():
    return _model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                  [_vi("x", [1, 8], TensorProto.INT8)], [_vi("y", [1, 8], TensorProto.INT8)])


def relu_net():  # valid; its calibration file is the problem
    return _model([helper.make_node("Gemm", ["x", "w"], ["h"], name="fc"),
                   helper.make_node("Relu", ["h"], ["y"], name="relu")],
                  [_vi("x", [1, 8])], [_vi("y", [1, 8])], [_init("w", 8, 8)])


def old_opset_batchnorm():
    inits = [_init("w", 4, 4, 3, 3), numpy_helper.from_array(np.ones(4, np.float32), "s"),
             numpy_helper.from_array(np.zeros(4, np.float32), "b"),
             numpy_helper.from_array(np.zeros(4, np.float32), "m"),
             numpy_helper.from_array(np.ones(4, np.float32), "v")]
    return _model([helper.make_node("Conv", ["x", "w"], ["h"], name="conv", pads=[1, 1, 1, 1]),
                   helper.make_node("BatchNormalization", ["h", "s", "b", "m", "v"], ["y"], name="bn")],
                  [_vi("x", [1, 4, 6, 6])], [_vi("y", [1, 4, 6, 6])], inits, opset=9)


def grouped_conv():
    return _model([helper.make_node("Conv", ["x", "w"], ["y"], name="gconv", group=2, pads=[1, 1, 1, 1])],
                  [_vi("x", [1, 8, 6, 6])], [_vi("y", [1, 8, 6, 6])], [_init("w", 8, 4, 3, 3)])


def maxpool_3d():
    return _model([helper.make_node("MaxPool", ["x"], ["y"], name="pool3d", kernel_shape=[2, 2, 2], strides=[2, 2, 2])],
                  [_vi("x", [1, 2, 4, 4, 4])], [_vi("y", [1, 2, 2, 2, 2])])


def dynamic_batch():
    return _model([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc")],
                  [_vi("x", ["N", 8])], [_vi("y", ["N", 8])], [_init("w", 8, 8)])


def unsupported_ops():
    return _model([helper.make_node("Gemm", ["x", "w"], ["h"], name="fc"),
                   helper.make_node("Reshape", ["h", "shape"], ["sq"], name="reshape"),
                   helper.make_node("Det", ["sq"], ["d"], name="det"),
                   helper.make_node("Add", ["h", "d"], ["y"], name="add")],
                  [_vi("x", [1, 4])], [_vi("y", [1, 4])],
                  [_init("w", 4, 4), numpy_helper.from_array(np.array([2, 2], np.int64), "shape")])


def empty_graph():
    return _model([], [_vi("x", [1, 4])], [_vi("x", [1, 4])])


def huge_input():
    return _model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                  [_vi("x", [1, 1, 1, 1 << 31])], [_vi("y", [1, 1, 1, 1 << 31])])


# name -> (builder or None for raw bytes, expectation, a word the error line must contain,
#          calibration arrays or None)
CASES = {
    "conv_weights_as_input": (conv_weights_as_input, "error", "conv_w_input", None),
    "integer_input": (integer_input, "error", "Cast", None),
    "integer_relu": (integer_relu, "error", "int8", None),
    "nan_calibration": (relu_net, "error", "NaN", {"x": np.full((4, 1, 8), np.nan, np.float32)}),
    "wrong_calibration_key": (relu_net, "error", "calibration", {"z": np.ones((4, 1, 8), np.float32),
                                                                  "w": np.ones((4, 1, 8), np.float32)}),
    "old_opset_batchnorm": (old_opset_batchnorm, "ok", "", None),
    "grouped_conv": (grouped_conv, "ok", "", None),
    "maxpool_3d": (maxpool_3d, "ok", "", None),
    "dynamic_batch": (dynamic_batch, "ok", "", None),
    "unsupported_ops": (unsupported_ops, "error", "Det", None),
    "empty_graph": (empty_graph, "error", "", None),
    "huge_input": (huge_input, "error", "x", None),
    "not_onnx": (None, "error", "not_onnx.onnx", None),
}


def make_all(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    index = {}
    for name, (build, expect, needle, calib) in CASES.items():
        path = out / f"{name}.onnx"
        if build is None:
            path.write_bytes(b"this is not a protobuf\x00\xff" * 8)
        else:
            onnx.save(build(), str(path))
        entry = {"model": path.name, "expect": expect, "needle": needle}
        if calib is not None:
            np.savez(out / f"{name}.calib.npz", **calib)
            entry["calib"] = f"{name}.calib.npz"
        index[name] = entry
    (out / "cases.json").write_text(json.dumps(index, indent=1, sort_keys=True))
    return index


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/bad_models")
    args = ap.parse_args(argv)
    cases = make_all(Path(args.out))
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
