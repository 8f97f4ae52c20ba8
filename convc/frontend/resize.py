"""ONNX Resize: which spellings convc takes, and one correction to torch-mlir's TOSA for them.

Supported are the two PyTorch exports, verified against onnxruntime:
  - nearest, coordinate_transformation_mode=asymmetric, nearest_mode=floor (F.interpolate
    mode="nearest", Upsample(scale_factor=...));
  - linear with half_pixel (align_corners=False) or align_corners (align_corners=True).
Other modes are refused by node name before import: torch-mlir cannot lower most of them
and its message would name an aten op the user never wrote.

torch-mlir lowers nearest/floor to a tosa.resize with offset 0, but TOSA's nearest rounds
the source coordinate half up, so every odd output row and column picks the wrong input
(checked against onnxruntime). Subtracting scale_n / 2 from the offset makes TOSA's rounding
a floor: round_half_up(a - 1/2) == floor(a) for every a, exactly, as long as scale_n is even
(torch-mlir always emits an even scale_n; an odd one is refused, not approximated). The
border shifts by the same amount, which keeps the output size TOSA derives from the two.
"""

import numpy as np
import onnx
from onnx import numpy_helper

from convc.errors import UnsupportedOpError
from convc.frontend.onnx_shapes import tensor_shapes
from convc.ir.locations import node_name
from convc.ir.mlir import ir
from convc.ir.util import op_name

NEAREST_FLOOR = ("nearest", "asymmetric", "floor")
LINEAR_MODES = ("half_pixel", "align_corners")
SUPPORTED = "nearest with asymmetric/floor (PyTorch's nearest) or linear with half_pixel or align_corners"


def _attrs(node) -> dict:
    a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
    text = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in a.items()}
    text.setdefault("mode", "nearest")
    text.setdefault("coordinate_transformation_mode", "half_pixel")
    text.setdefault("nearest_mode", "round_prefer_floor")
    return text


def _spelling(a) -> tuple:
    if a["mode"] == "nearest":
        return a["mode"], a["coordinate_transformation_mode"], a["nearest_mode"]
    return a["mode"], a["coordinate_transformation_mode"]


def normalize(model: onnx.ModelProto, path) -> None:
    """Check every Resize node (after onnxsim, so its scales or sizes are constants) and
    rewrite constant `sizes` into the equivalent `scales`, the form torch-mlir lowers."""
    resizes = [n for n in model.graph.node if n.op_type == "Resize"]
    if not resizes:
        return
    inits = {t.name: t for t in model.graph.initializer}
    shapes = tensor_shapes(model)
    for node in resizes:
        where = f"{path}: node '{node.name}' (Resize)"
        a = _attrs(node)
        mode = _spelling(a)
        if not (mode == NEAREST_FLOOR or (a["mode"] == "linear" and mode[1] in LINEAR_MODES)):
            raise UnsupportedOpError(f"{where}: {'/'.join(mode)} is not supported (supported: {SUPPORTED})")
        if a.get("antialias", 0) or "axes" in a:
            raise UnsupportedOpError(f"{where}: antialias and axes are not supported")
        inputs = list(node.input) + [""] * (4 - len(node.input))
        scales, sizes = inputs[2], inputs[3]
        if scales and scales in inits:
            factors = numpy_helper.to_array(inits[scales]).astype(np.float64)
        elif sizes and sizes in inits:
            shape = shapes.get(node.input[0])
            if not shape or 0 in shape:
                raise UnsupportedOpError(f"{where}: the input shape is not known statically")
            want = numpy_helper.to_array(inits[sizes]).astype(np.int64)
            factors = np.asarray(want, np.float32) / np.asarray(shape, np.float32)
            if list(np.floor(np.asarray(shape, np.float32) * factors).astype(np.int64)) != list(want):
                raise UnsupportedOpError(f"{where}: sizes {list(want)} have no exact float scale")
            name = node.name + "/convc_scales"
            model.graph.initializer.append(numpy_helper.from_array(factors.astype(np.float32), name))
            del node.input[:]
            node.input.extend([inputs[0], inputs[1], name])
        else:
            raise UnsupportedOpError(f"{where}: scales or sizes must be constants")
        if len(factors) != 4 or list(factors[:2]) != [1.0, 1.0]:
            raise UnsupportedOpError(f"{where}: only the two spatial axes of an NCHW tensor may be resized")
        shape = shapes.get(node.input[0])
        if shape and 0 not in shape:
            # The output size is floor(in * scale): ONNX shape inference takes the product in
            # double, onnxruntime in float. Where the two floors differ the model has no one
            # meaning, so it is refused rather than guessed.
            f32 = factors[2:].astype(np.float32)
            wide = np.floor(np.asarray(shape[2:], np.float64) * f32.astype(np.float64))
            narrow = np.floor(np.asarray(shape[2:], np.float32) * f32)
            if np.any(wide != narrow):
                raise UnsupportedOpError(
                    f"{where}: scales {', '.join(f'{v:g}' for v in f32)} of a {shape[2]}x{shape[3]} input give an "
                    f"output size that double and float arithmetic round differently; export with output sizes")


def fix_nearest_floor(module: ir.Module, model: onnx.ModelProto, path) -> None:
    """Shift the offset of each tosa.resize that came from a nearest/floor Resize (see above)."""
    floor_nodes = {n.name for n in model.graph.node
                   if n.op_type == "Resize" and _spelling(_attrs(n)) == NEAREST_FLOOR}
    if not floor_nodes:
        return
    for block_op in module.body.operations:
        for op in block_op.regions[0].blocks[0].operations if block_op.regions else []:
            if op_name(op) != "tosa.resize" or node_name(op.location) not in floor_nodes:
                continue
            scale = [int(v) for v in np.array(op.operands[1].owner.attributes["values"]).reshape(-1)]
            if scale[0] % 2 or scale[2] % 2:
                raise UnsupportedOpError(f"{path}: node '{node_name(op.location)}' (Resize): "
                                         f"nearest/floor with an odd scale numerator {scale} is not supported")
            half = np.array([scale[0] // 2, scale[2] // 2], np.int64)
            # The border moves with the offset: TOSA derives the output size from both.
            for index in (2, 3):
                old = np.broadcast_to(np.array(op.operands[index].owner.attributes["values"]), (2,))
                op.operands[index] = _shape_const(op, old.astype(np.int64) - half)


def _shape_const(before, values):
    with before.location, ir.InsertionPoint(before):
        attr = ir.DenseElementsAttr.get(values, type=ir.RankedTensorType.get([2], ir.IndexType.get()))
        return ir.Operation.create("tosa.const_shape", results=[before.operands[2].type],
                                   attributes={"values": attr}).results[0]
