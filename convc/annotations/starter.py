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

from convc.passes.directives import layer_of
from convc.passes.engine_ops import engine_ops, is_view
from convc.ir.schema import ACT_BITS, CORE, KEEP_IN_CORE, NO_FUSE, REPLICA, SKIP_TILES, SOURCE, WEIGHT_PRECISION
from convc.engines import engine_of


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
                            if REPLICA.get(op, [0])[0] == 0)
        for op, layer in zip(ops, layers):
            replica = REPLICA.get(op, [])
            if replica and replica[0] == 0:  # the layer before convc-replicate cut it into bands
                lines.append(f"replicate {_selector(layer, originals, replica[2])} cores {replica[1]}")
            selector = _selector(layer, repeats, layer.id)
            engine = engine_of(op)
            lines.append(f"place {selector} on {engine.kind} core {CORE.get(op)}")
            lines += engine.starter_lines(op, selector)
            lines += [f"{statement} {selector}{rest}" for statement, rest in _annotation_only(op)]
    return "\n".join(lines) + "\n"


def _annotation_only(op) -> list[tuple[str, str]]:
    """(statement, text after the selector) for decisions the heuristics never take."""
    attrs = op.operation.attributes
    out = []
    weights = WEIGHT_PRECISION.get(op, "int8")
    acts = ACT_BITS.get(op, 8) if "clamp_min" in attrs else 8
    if (weights, acts) != ("int8", 8):
        out.append(("precision", f" weights {weights} activations int{acts}" if WEIGHT_PRECISION.has(op)
                    else f" activations int{acts}"))
    if SOURCE.has(op, "resident"):
        out.append(("resident", ""))
    if NO_FUSE.has(op):
        out.append(("no_fuse", ""))
    if SKIP_TILES.has(op):
        out.append(("opportunity sparsity", ""))
    if KEEP_IN_CORE.has(op):
        out.append((f"constraint never_leaves_core {KEEP_IN_CORE.get(op)}", ""))
    return out
