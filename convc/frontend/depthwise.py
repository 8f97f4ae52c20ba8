"""Depthwise convolutions with a channel multiplier > 1 (Keras' depth_multiplier, PyTorch's
Conv2d(c, m*c, k, groups=c)), rewritten before import.

Output channel o of such a convolution reads input channel o // m. The DPU's depthwise
convolution has one output per input channel, so the rewrite first repeats each input channel
m times with a 1x1 convolution whose constant weights are 0/1 (R[o, c] = 1 where o // m == c;
the IMC array, exact up to the repeated tensor's int8 quantization) and then runs a depthwise
convolution with multiplier 1 on the m*c channels, with the original weights, bias and
attributes. The float function is unchanged.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper


def normalize(model: onnx.ModelProto, path) -> None:
    """Replace every Conv with 1 < group == input channels < output channels."""
    inits = {t.name: t for t in model.graph.initializer}
    nodes, changed = [], False
    for node in model.graph.node:
        split = _multiplier(node, inits)
        if split is None:
            nodes.append(node)
            continue
        channels, multiplier = split
        nodes.extend(_rewrite(node, channels, multiplier, model))
        changed = True
    if changed:
        del model.graph.node[:]
        model.graph.node.extend(nodes)


def _multiplier(node, inits):
    """(input channels, multiplier) of a depthwise Conv with multiplier > 1, else None."""
    if node.op_type != "Conv" or node.input[1] not in inits:
        return None
    group = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "group"), 1)
    c_out, c_in_per_group = list(inits[node.input[1]].dims)[:2]
    if group <= 1 or c_in_per_group != 1 or c_out == group or c_out % group:
        return None
    return group, c_out // group


def _rewrite(node, channels, multiplier, model):
    repeat = (np.arange(channels * multiplier)[:, None] // multiplier == np.arange(channels)[None, :])
    name = f"{node.name}/convc_repeat"
    model.graph.initializer.append(
        numpy_helper.from_array(repeat.astype(np.float32).reshape(channels * multiplier, channels, 1, 1), f"{name}_w"))
    repeated = helper.make_node("Conv", [node.input[0], f"{name}_w"], [f"{name}_out"], name=name)
    attrs = [a for a in node.attribute if a.name != "group"]
    depthwise = helper.make_node("Conv", [f"{name}_out", *node.input[1:]], list(node.output), name=node.name,
                                 group=channels * multiplier)
    depthwise.attribute.extend(attrs)
    return [repeated, depthwise]
