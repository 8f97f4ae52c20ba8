"""ONNX → graph-level MLIR (TOSA on tensors, static shapes, ONNX node names as locations).

Steps: load and check the file, pin the batch size to 1, simplify with onnxsim (constant
folding, shape-computation chains, static shapes), refuse ops convc cannot lower by name,
import with torch-mlir's ONNX importer, and lower torch → TOSA with upstream pipelines.
"""

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import onnx

from convc.errors import FrontendError, UnsupportedOpError
from convc.frontend import depthwise, gather, lrn, qdq, resize
from convc.ir.attrs import f64, i64
from convc.ir.locations import node_name
from convc.ir.mlir import PassManager, ir, onnx_importer, torch_dialect
from convc.passes.api import ONNX_TYPES, QDQ_SCALES

# ONNX ops with a lowering path to the engines. Shape-computation ops only appear before
# simplification folds them away; anything else left after onnxsim is refused by name.
# QuantizeLinear/DequantizeLinear pairs of a pre-quantized model are removed before this check
# (frontend/qdq.py), their scales kept.
SUPPORTED_OPS = {
    "Conv", "Gemm", "MatMul", "Relu", "Clip", "Add", "Mul", "MaxPool", "AveragePool",
    "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Concat", "Identity", "Sub",
    "Dropout", "Transpose", "Squeeze", "Unsqueeze", "Constant", "Pad", "Resize", "Slice", "Split",
    "Sum", "Div", "GlobalMaxPool", "ConvTranspose", "Softmax", "ReduceMean", "LogSoftmax", "ReduceMax", "ReduceSum", "LayerNormalization", "Pow",
    "Gather",  # with constant indices: rewritten into Slice (frontend/gather.py)
    "LRN",  # rewritten into a square, a band convolution, a table and a product (frontend/lrn.py)
    # Activations: each becomes one 256-entry table (passes/unary_functions.py).
    "Sigmoid", "Tanh", "Exp", "Log", "Erf", "Gelu", "HardSigmoid", "HardSwish", "LeakyRelu",
    "Elu", "Selu", "Softplus", "Mish", "Abs", "Neg", "Sqrt", "Reciprocal", "PRelu",
}

TOSA_PIPELINE = (
    "builtin.module(func.func(convert-torch-onnx-to-torch),"
    "torch-lower-to-backend-contract,torch-backend-to-tosa-backend-pipeline)"
)


def load_onnx(path: str | Path) -> onnx.ModelProto:
    path = Path(path)
    if not path.is_file():
        raise FrontendError(f"{path}: no such file")
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf raises several unrelated types on garbage
        raise FrontendError(f"{path}: not an ONNX model ({type(exc).__name__})") from None
    if not model.graph.node:
        raise FrontendError(f"{path}: not an ONNX model (no graph nodes)")
    try:  # the file, not the proto: checking a proto serializes it again (0.3 s for ResNet-50)
        onnx.checker.check_model(str(path))
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0]
        raise FrontendError(f"{path}: invalid ONNX model: {first}") from None
    return _upgrade_opset(model, path)


MIN_OPSET = 13  # torch-mlir's ONNX importer lowers older spellings of several ops incompletely
TARGET_OPSET = 17


def _upgrade_opset(model: onnx.ModelProto, path: Path) -> onnx.ModelProto:
    """A model exported at an old opset (6, 9, ...) converted with onnx's version converter."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), TARGET_OPSET)
    if opset >= MIN_OPSET:
        return model
    from onnx import version_converter
    try:
        return version_converter.convert_version(model, TARGET_OPSET)
    except Exception as exc:  # the converter raises its own C++ error types
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise FrontendError(f"{path}: opset {opset} is older than convc takes ({MIN_OPSET}+) and onnx's version "
                            f"converter failed ({first}); export with opset_version={TARGET_OPSET}") from None


def _static_input_shapes(model: onnx.ModelProto, batch: int = 1, path: Path | None = None) -> dict[str, list[int]]:
    """Input shapes with every symbolic or unknown dimension pinned to 1 (batch 1). With
    `batch` > 1 (the throughput objective), each input's leading dimension becomes `batch`;
    that needs a model of batch 1 (or a symbolic batch), whose frames are then independent."""
    initializers = {t.name for t in model.graph.initializer}
    shapes = {}
    for inp in model.graph.input:
        if inp.name in initializers:
            continue
        dims = inp.type.tensor_type.shape.dim
        shape = [d.dim_value if d.dim_value > 0 else 1 for d in dims]
        if batch > 1:
            if not shape or shape[0] != 1:
                raise FrontendError(f"{path}: --batch {batch} needs inputs of batch 1 to stack frames on, but input "
                                    f"'{inp.name}' has shape {shape}")
            shape[0] = batch
        shapes[inp.name] = shape
    return shapes


# The newest ONNX IR version onnxsim's bundled checker reads. Newer IR versions add types and
# structures (float8, 4-bit ints, ...) that convc refuses anyway; a model that uses none of
# them simplifies unchanged at this version (its opsets are kept).
ONNXSIM_IR_VERSION = 10


def simplify(model: onnx.ModelProto, path: Path, batch: int = 1) -> onnx.ModelProto:
    import onnxsim  # here, not at the top: `convc run` and `convc dump` never need it

    shapes = _static_input_shapes(model, batch, path)
    if batch > 1:  # the declared output and intermediate shapes said batch 1: let inference redo them
        del model.graph.value_info[:]
        for out in model.graph.output:
            dims = out.type.tensor_type.shape.dim
            if dims and dims[0].dim_value == 1:
                dims[0].dim_param = "batch"
    if model.ir_version > ONNXSIM_IR_VERSION:  # in place: the loaded model is the frontend's own
        model.ir_version = ONNXSIM_IR_VERSION
    quiet = io.StringIO()
    try:
        with redirect_stdout(quiet), redirect_stderr(quiet):
            # BatchNormalization is kept: convc's own fold-batchnorm pass folds it on TOSA,
            # so the folding is visible in the IR dumps and tested there.
            simplified, ok = onnxsim.simplify(
                model, overwrite_input_shapes=shapes, skip_fuse_bn=True)
    except Exception as exc:
        raise FrontendError(f"{path}: onnxsim could not simplify the model: {exc}".splitlines()[0]) from None
    if not ok:
        raise FrontendError(f"{path}: simplified model failed onnxsim's check")
    return simplified


def check_supported(model: onnx.ModelProto, path: Path) -> None:
    inits = {t.name: t for t in model.graph.initializer}
    unsupported = [n for n in model.graph.node if n.op_type not in SUPPORTED_OPS or n.domain not in ("", "ai.onnx")]
    if unsupported:  # every one at once, grouped by op type: what a user fixing an export needs
        groups = {}
        for n in unsupported:
            groups.setdefault(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}", []).append(n)
        first = unsupported[0]
        listing = "; ".join(f"{op} x{len(ns)} ({', '.join(repr(n.name or '<unnamed>') for n in ns[:3])}"
                            f"{', ...' if len(ns) > 3 else ''})" for op, ns in groups.items())
        raise UnsupportedOpError(
            f"{path}: node '{first.name or '<unnamed>'}' has op {first.op_type}, which convc cannot lower"
            + (f"; unsupported nodes: {listing}" if len(unsupported) > 1 else "")
            + f" (supported: {', '.join(sorted(SUPPORTED_OPS))})")
    for inp in model.graph.input:
        elem = inp.type.tensor_type.elem_type
        if inp.name not in inits and elem != onnx.TensorProto.FLOAT:
            raise UnsupportedOpError(
                f"{path}: input '{inp.name}' is {onnx.TensorProto.DataType.Name(elem).lower()}; convc compiles models "
                f"with float inputs (it quantizes them itself): export the model with float32 inputs")
    for node in model.graph.node:
        if node.op_type in ("Conv", "ConvTranspose") and len(node.input) > 1 and node.input[1] not in inits:
            raise UnsupportedOpError(
                f"{path}: node '{node.name or '<unnamed>'}' ({node.op_type}): its weights '{node.input[1]}' are "
                f"computed or fed at run time, not a constant; convc programs constant weights into the arrays "
                f"(make them an initializer)")
        if node.op_type == "Slice" and len(node.input) > 4 and node.input[4]:
            steps = inits.get(node.input[4])
            if steps is None or any(int(v) != 1 for v in onnx.numpy_helper.to_array(steps).reshape(-1)):
                raise UnsupportedOpError(f"{path}: node '{node.name}' (Slice): only steps of 1 are supported")
        if node.op_type == "ConvTranspose":
            _check_conv_transpose(node, path)


def _check_conv_transpose(node, path: Path) -> None:
    """What torch-mlir lowers to tosa.transpose_conv2d (convc-decompose-transpose-conv)."""
    a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
    pads = list(a.get("pads", []))
    problem = None
    if a.get("group", 1) != 1:
        problem = f"group {a['group']} (only 1 is supported)"
    elif any(d != 1 for d in a.get("dilations", [])):
        problem = "dilations (only 1 is supported)"
    elif a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        problem = "auto_pad (give explicit pads)"
    elif pads and pads[:len(pads) // 2] != pads[len(pads) // 2:]:
        problem = f"pads {pads}: padding that differs between the two ends of an axis is not supported"
    elif "output_shape" in a:
        problem = "output_shape (give pads and output_padding)"
    if problem:
        raise UnsupportedOpError(f"{path}: node '{node.name}' (ConvTranspose): {problem}")


def _name_nodes(model: onnx.ModelProto) -> None:
    """Give unnamed nodes a stable name so every location and error can point at a node."""
    for i, node in enumerate(model.graph.node):
        if not node.name:
            node.name = f"{node.op_type}_{i}"


def import_to_tosa(model: onnx.ModelProto, context: ir.Context, path: Path, qdq_scales=None) -> ir.Module:
    model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    torch_dialect.register_dialect(context)
    info = onnx_importer.ModelInfo(model)
    module = info.create_module(context=context)
    importer = onnx_importer.NodeImporter.define_function(info.main_graph, module.operation)
    try:
        importer.import_all()
    except Exception as exc:
        raise FrontendError(f"{path}: ONNX import failed: {str(exc).splitlines()[0]}") from None
    with context, ir.Location.unknown():
        try:
            PassManager.parse(TOSA_PIPELINE).run(module.operation)
        except ir.MLIRError as exc:
            details = [f"node '{node_name(d.location)}': {d.message}" for d in exc.error_diagnostics]
            raise UnsupportedOpError(f"{path}: {_tidy(details[0] if details else 'lowering to TOSA failed')}") from None
        resize.fix_nearest_floor(module, model, path)
        # Node op types travel with the IR (for `op TYPE` selectors), so a dump replays alone.
        module.operation.attributes[ONNX_TYPES] = ir.DictAttr.get(
            {n.name: ir.StringAttr.get(n.op_type) for n in model.graph.node})
        if qdq_scales:
            module.operation.attributes[QDQ_SCALES] = ir.DictAttr.get(
                {name: ir.ArrayAttr.get([f64(s), i64(z)]) for name, (s, z) in sorted(qdq_scales.items())})
    return module


def _tidy(message: str) -> str:
    message = " ".join(message.split())
    return re.sub(r"failed to legalize operation '([^']+)'", r"no lowering for \1", message)


def onnx_to_tosa(path: str | Path, context: ir.Context, batch: int = 1) -> tuple[ir.Module, onnx.ModelProto]:
    """The frontend: returns the TOSA module and the simplified ONNX model it came from.
    `batch` > 1 stacks that many frames on the inputs' batch axis (the throughput objective)."""
    path = Path(path)
    model = load_onnx(path)
    _name_nodes(model)
    simplified = simplify(model, path, batch)
    qdq_scales = qdq.strip(simplified, path)  # a pre-quantized model's own activation scales
    check_supported(simplified, path)
    resize.normalize(simplified, path)
    gather.normalize(simplified, path)
    lrn.normalize(simplified, path)
    depthwise.normalize(simplified, path)
    return import_to_tosa(simplified, context, path, qdq_scales), simplified
