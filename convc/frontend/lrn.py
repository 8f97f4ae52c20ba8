"""ONNX LRN (local response normalisation across channels, AlexNet / GoogLeNet), rewritten
before import into ops convc lowers.

    y = x * (bias + alpha / size * S) ^ (-beta),   S[c] = sum of x[c']^2 over the `size`
                                                    channels centred on c (clipped at the ends)

torch-mlir decomposes LRN into a 3-D average pool over a padded channel axis, which has no
TOSA lowering. The same function, exactly, is: the square x * x (a DPU mul), the windowed
channel sum S as a 1x1 convolution whose constant weights are the 0/1 band matrix
|c - c'| <= size / 2 (the IMC array), then (bias + alpha / size * S) ^ -beta, a function of
one tensor that becomes one 256-entry table, and its product with x (a DPU mul). Each piece is
an op with its own integer definition, so the rewritten LRN verifies bit-exactly like any
other; its int8 error is the square's and the table's quantization.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper

from convc.errors import UnsupportedOpError
from convc.frontend.onnx_shapes import tensor_shapes


def _channels(model, name):
    dims = tensor_shapes(model).get(name, [])
    return dims[1] if len(dims) == 4 and dims[1] > 0 else None


def normalize(model: onnx.ModelProto, path) -> None:
    """Replace every LRN node by Mul, Conv (band), Mul, Add, Pow, Mul."""
    if not any(n.op_type == "LRN" for n in model.graph.node):
        return
    nodes = []
    for node in model.graph.node:
        nodes.extend(_rewrite(node, model, path) if node.op_type == "LRN" else [node])
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _rewrite(node, model, path):
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    size, alpha, beta, bias = int(a["size"]), a.get("alpha", 1e-4), a.get("beta", 0.75), a.get("bias", 1.0)
    c = _channels(model, node.input[0])
    if c is None:
        raise UnsupportedOpError(f"{path}: node '{node.name}' (LRN): only 4-D NCHW inputs with a known channel "
                                 f"count are supported")
    lo, hi = (size - 1) // 2, size // 2  # ONNX: channels c - floor((size-1)/2) .. c + ceil((size-1)/2)
    idx = np.arange(c)
    band = ((idx[None, :] >= idx[:, None] - lo) & (idx[None, :] <= idx[:, None] + hi)).astype(np.float32)
    p = f"{node.name}/convc_lrn"
    consts = {f"{p}_band": band.reshape(c, c, 1, 1), f"{p}_alpha": np.float32(alpha / size),
              f"{p}_bias": np.float32(bias), f"{p}_exp": np.float32(-beta)}
    for name, value in consts.items():
        model.graph.initializer.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
    x, y = node.input[0], node.output[0]
    return [helper.make_node("Mul", [x, x], [f"{p}_sq"], name=f"{node.name}/square"),
            helper.make_node("Conv", [f"{p}_sq", f"{p}_band"], [f"{p}_sum"], name=f"{node.name}/window_sum"),
            helper.make_node("Mul", [f"{p}_sum", f"{p}_alpha"], [f"{p}_scaled"], name=f"{node.name}/alpha"),
            helper.make_node("Add", [f"{p}_scaled", f"{p}_bias"], [f"{p}_base"], name=f"{node.name}/bias"),
            helper.make_node("Pow", [f"{p}_base", f"{p}_exp"], [f"{p}_gain"], name=f"{node.name}/pow"),
            helper.make_node("Mul", [x, f"{p}_gain"], [y], name=node.name)]
