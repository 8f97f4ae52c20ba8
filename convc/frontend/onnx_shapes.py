"""Shapes of an ONNX graph's tensors, for the frontend's rewrites before import."""

import onnx


def tensor_shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    """{tensor name: dims} from ONNX shape inference (0 where a dimension is unknown)."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    g = inferred.graph
    return {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(g.input) + list(g.value_info) + list(g.output)}
