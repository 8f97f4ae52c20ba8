"""ONNX Gather with constant indices, rewritten into Slice (+ Squeeze) before import.

Exporters emit Gather for `x[:, 0]` (a ViT's class token), for splitting a packed QKV
projection (`qkv[0]`, `qkv[1]`, `qkv[2]`) and for picking a run of channels. With constant
indices each of these is a slice, which the engines do as a view or one strided DMA copy.
torch-mlir would lower them to tosa.gather over index tensors it computes with tile/concat
chains; rewriting here keeps the graph in ops convc lowers and verifies, and a Gather whose
indices are not one consecutive run is refused by name instead.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper

from convc.errors import UnsupportedOpError
from convc.frontend.onnx_shapes import tensor_shapes


def normalize(model: onnx.ModelProto, path) -> None:
    """Replace every Gather (after onnxsim: its indices are constants) by Slice [+ Squeeze]."""
    gathers = [n for n in model.graph.node if n.op_type == "Gather"]
    if not gathers:
        return
    inits = {t.name: t for t in model.graph.initializer}
    shapes = tensor_shapes(model)
    nodes = []
    for node in model.graph.node:
        if node.op_type != "Gather":
            nodes.append(node)
            continue
        nodes.extend(_as_slice(node, inits, shapes, model, path))
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _as_slice(node, inits, shapes, model, path):
    data, index_name = node.input
    if index_name not in inits:
        raise UnsupportedOpError(f"{path}: node '{node.name}' (Gather): only constant indices are supported")
    shape = shapes.get(data)
    axis = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 0)
    if not shape or any(d <= 0 for d in shape):
        raise UnsupportedOpError(f"{path}: node '{node.name}' (Gather): the shape of its data is unknown")
    axis %= len(shape)
    indices = numpy_helper.to_array(inits[index_name]).astype(np.int64)
    flat = np.where(indices < 0, indices + shape[axis], indices).reshape(-1)
    if indices.ndim > 1 or flat.size == 0 or np.any(np.diff(flat) != 1) or flat.min() < 0 or flat.max() >= shape[axis]:
        raise UnsupportedOpError(
            f"{path}: node '{node.name}' (Gather): indices {indices.reshape(-1).tolist()[:8]} on axis {axis} are not "
            f"supported (a scalar index or one run of consecutive indices, which is a slice)")
    prefix = f"{node.name}/convc_slice"
    consts = {f"{prefix}_starts": [int(flat[0])], f"{prefix}_ends": [int(flat[-1]) + 1], f"{prefix}_axes": [axis]}
    for name, values in consts.items():
        model.graph.initializer.append(numpy_helper.from_array(np.array(values, np.int64), name))
    out = node.output[0]
    sliced = out if indices.ndim == 1 else f"{prefix}_out"
    result = [helper.make_node("Slice", [data, *consts], [sliced], name=node.name)]
    if indices.ndim == 0:  # a scalar index drops the axis
        model.graph.initializer.append(numpy_helper.from_array(np.array([axis], np.int64), f"{prefix}_squeeze"))
        result.append(helper.make_node("Squeeze", [sliced, f"{prefix}_squeeze"], [out], name=f"{node.name}/squeeze"))
    return result
