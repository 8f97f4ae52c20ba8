"""--save-annotations: a starter annotation file with every choice the compiler made.

Each layer gets a `place` rule (its core) and, for IMC layers, a `tile` rule (its tile shape);
a layer convc-replicate cut into bands gets a `replicate` rule before its copies' lines;
decisions that only annotations make are written where they were taken: `precision` (a
layer below int8), `resident`, `no_fuse`, `opportunity sparsity` and the `never_leaves_core`
constraints that kept an output in its core. Compiling again with the
file unchanged pins every decision, so the stream is byte-identical; an expert edits the lines
they want to change.
"""

from collections import Counter

from convc.ir.attrs import get_array, get_int, get_str
from convc.passes.directives import layer_of
from convc.passes.engine_ops import engine_ops, is_view


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _selector(layer, repeats: Counter, layer_id: int) -> str:
    """Node name and kind, plus the layer id where several layers share both."""
    selector = f"{_quote(layer.node)} and kind {layer.kind}"
    return selector + (f" and layer {layer_id}" if repeats[(layer.node, layer.kind)] > 1 else "")


def starter_text(compiled, model_path) -> str:
    with compiled.module.context:
        ops = [op for op in engine_ops(compiled.module.operation) if not is_view(op)]
        layers = [layer_of(op) for op in ops]
        repeats = Counter((l.node, l.kind) for l in layers)
        lines = ["version 1",
                 f"# Written by convc for {model_path} on {compiled.target.name}: every layer with the",
                 "# compiler's choices. Compiling with this file unchanged gives the same stream.",
                 "# Views (dpu.reshape, dpu.slice) are not listed: they follow their producer.", ""]
        originals = Counter((l.node, l.kind) for op, l in zip(ops, layers)
                            if get_array(op, "replica", [0])[0] == 0)
        for op, layer in zip(ops, layers):
            replica = get_array(op, "replica", [])
            if replica and replica[0] == 0:  # the layer before convc-replicate cut it into bands
                lines.append(f"replicate {_selector(layer, originals, replica[2])} cores {replica[1]}")
            selector = _selector(layer, repeats, layer.id)
            engine = "imc" if layer.kind.startswith("imc.") else "dpu"
            lines.append(f"place {selector} on {engine} core {get_int(op, 'core')}")
            if layer.kind.startswith("imc."):
                lines.append(f"tile {selector} rows {get_int(op, 'tile_rows')} cols {get_int(op, 'tile_cols')}")
            lines += [f"{statement} {selector}{rest}" for statement, rest in _annotation_only(op)]
    return "\n".join(lines) + "\n"


def _annotation_only(op) -> list[tuple[str, str]]:
    """(statement, text after the selector) for decisions the heuristics never take."""
    attrs = op.operation.attributes
    out = []
    weights = get_str(op, "weight_precision", "int8")
    acts = get_int(op, "act_bits", 8) if "clamp_min" in attrs else 8
    if (weights, acts) != ("int8", 8):
        out.append(("precision", f" weights {weights} activations int{acts}" if "weight_precision" in attrs
                    else f" activations int{acts}"))
    if "resident_source" in attrs:
        out.append(("resident", ""))
    if "no_fuse" in attrs:
        out.append(("no_fuse", ""))
    if "skip_tiles" in attrs:
        out.append(("opportunity sparsity", ""))
    if "keep_in_core" in attrs:
        out.append((f"constraint never_leaves_core {get_int(op, 'keep_in_core')}", ""))
    return out
