"""--save-annotations: a starter annotation file with every choice the compiler made.

Each layer gets a `place` rule (its core) and, for IMC layers, a `tile` rule (its tile shape).
Compiling again with the file unchanged pins every decision to the value the heuristics chose,
so the stream is byte-identical; an expert edits the lines they want to change.
"""

from collections import Counter

from convc.dialects.attrs import get_int
from convc.passes._directives import layer_of
from convc.passes._engine_ops import engine_ops


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_text(compiled, model_path) -> str:
    with compiled.module.context:
        ops = [op for op in engine_ops(compiled.module.operation) if op.operation.name != "dpu.reshape"]
        layers = [layer_of(op) for op in ops]
        repeats = Counter((l.node, l.kind) for l in layers)
        lines = ["version 1",
                 f"# Written by convc for {model_path} on {compiled.target.name}: every layer with the",
                 "# compiler's choices. Compiling with this file unchanged gives the same stream.",
                 "# Views (dpu.reshape) are not listed: they follow their producer.", ""]
        for op, layer in zip(ops, layers):
            selector = f"{_quote(layer.node)} and kind {layer.kind}"
            if repeats[(layer.node, layer.kind)] > 1:
                selector += f" and layer {layer.id}"
            engine = "imc" if layer.kind.startswith("imc.") else "dpu"
            lines.append(f"place {selector} on {engine} core {get_int(op, 'core')}")
            if layer.kind.startswith("imc."):
                lines.append(f"tile {selector} rows {get_int(op, 'tile_rows')} cols {get_int(op, 'tile_cols')}")
    return "\n".join(lines) + "\n"
