"""Pre-quantized ONNX models in QDQ form (QuantizeLinear/DequantizeLinear pairs, as written by
onnxruntime's quantize_static, Brevitas or NNCF): the model's own activation scales are used
instead of calibrated ones.

The dequantization of constant weights and biases becomes float initializers again (the
weights convc then quantizes per channel, symmetric, as the QDQ tools do); what is left are
pairs t -> QuantizeLinear(s, zp) -> DequantizeLinear(s, zp) -> t' on activations. Each pair is
removed (readers of t' read t) and (s, zp) is recorded for the node producing t, or for the
graph input t; convc-quantize then gives that node's output exactly those parameters
(`QDQ_SCALES` on the module; uint8 codes become int8 ones, zp - 128, the same real values).
Tensors without a pair (the inside of a fused pattern) are still calibrated.
"""

import numpy as np
import onnx
from onnx import numpy_helper

from convc.errors import UnsupportedOpError

QDQ_OPS = ("QuantizeLinear", "DequantizeLinear")


def _scalar(inits, name, node, path, what):
    if name not in inits:
        raise UnsupportedOpError(f"{path}: node '{node.name}' ({node.op_type}): its {what} is not a constant")
    value = numpy_helper.to_array(inits[name])
    if value.size != 1:
        raise UnsupportedOpError(f"{path}: node '{node.name}' ({node.op_type}): per-channel activation "
                                 f"quantization is not supported (one scale and zero point per tensor)")
    return value


def _dequantized(d, inits) -> np.ndarray:
    """(q - zp) * scale of a constant, per tensor or along the node's `axis`."""
    q = numpy_helper.to_array(inits[d.input[0]]).astype(np.float64)
    scale = numpy_helper.to_array(inits[d.input[1]]).astype(np.float64)
    zp = numpy_helper.to_array(inits[d.input[2]]).astype(np.float64) if len(d.input) > 2 and d.input[2] else 0.0
    axis = next((a.i for a in d.attribute if a.name == "axis"), 1)
    if np.ndim(scale) == 1 and scale.size > 1:
        shape = [1] * q.ndim
        shape[axis % q.ndim] = scale.size
        scale, zp = scale.reshape(shape), np.reshape(zp, shape) if np.ndim(zp) else zp
    return ((q - zp) * scale).astype(np.float32)


def strip(model: onnx.ModelProto, path) -> dict:
    """Remove activation Q/DQ pairs in place; returns {producer node or input name: (scale, zp)}."""
    if not any(n.op_type in QDQ_OPS for n in model.graph.node):
        return {}
    inits = {t.name: t for t in model.graph.initializer}
    producer = {out: n for n in model.graph.node for out in n.output}
    readers = {}
    for n in model.graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    outputs = {o.name for o in model.graph.output}
    found, rename, drop = {}, {}, set()
    for q in (n for n in model.graph.node if n.op_type == "QuantizeLinear"):
        scale = _scalar(inits, q.input[1], q, path, "scale")
        zp = _scalar(inits, q.input[2], q, path, "zero point") if len(q.input) > 2 and q.input[2] else np.int8(0)
        if zp.dtype not in (np.int8, np.uint8):
            raise UnsupportedOpError(f"{path}: node '{q.name}' (QuantizeLinear): {zp.dtype} codes are not supported "
                                     f"(int8 or uint8)")
        pairs = readers.get(q.output[0], [])
        if not pairs or any(d.op_type != "DequantizeLinear" or list(d.input[1:]) != list(q.input[1:]) for d in pairs):
            raise UnsupportedOpError(f"{path}: node '{q.name}' (QuantizeLinear): only QuantizeLinear immediately "
                                     f"dequantized with the same scale and zero point (QDQ form) is supported")
        t = q.input[0]
        int8_zp = int(zp.reshape(-1)[0]) - (128 if zp.dtype == np.uint8 else 0)
        owner = producer[t].name if t in producer else t
        found[owner] = (float(scale.reshape(-1)[0]), int8_zp)
        drop.add(q.name)
        for d in pairs:
            drop.add(d.name)
            rename[d.output[0]] = t
    for d in (n for n in model.graph.node if n.op_type == "DequantizeLinear" and n.name not in drop):
        if d.input[0] in inits:  # quantized weights or bias: back to the float values they stand for
            model.graph.initializer.append(numpy_helper.from_array(_dequantized(d, inits), d.output[0]))
            drop.add(d.name)
    left = [n.name for n in model.graph.node if n.op_type == "DequantizeLinear" and n.name not in drop]
    if left:
        raise UnsupportedOpError(f"{path}: node '{left[0]}' (DequantizeLinear): a dequantized tensor that is neither "
                                 f"a constant nor a quantized activation is not supported")
    for old, new in list(rename.items()):
        if old in outputs:  # the graph output keeps its name: its producer writes it directly
            for n in model.graph.node:
                n.output[:] = [old if o == new else o for o in n.output]
                n.input[:] = [old if i == new else i for i in n.input]
            for k, v in rename.items():
                if v == new:
                    rename[k] = old
    nodes = [n for n in model.graph.node if n.name not in drop]
    for n in nodes:
        n.input[:] = [rename.get(i, i) for i in n.input]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return found
