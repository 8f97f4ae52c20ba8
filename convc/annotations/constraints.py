"""Checks an annotation file's constraints against the compiled result.

Constraints must hold; a violated one fails the compile with the constraint's file:line:col,
the offending layer and the measured value. They are checked after compilation, on the same
figures the report shows (cost-model cycles, planned memory, addresses, verification error).
"""

from convc.engines import engine_of
from convc.errors import ConvcError
from convc.passes.directives import layer_of
from convc.passes.engine_ops import engine_ops, is_network_output, is_view, readers
from convc.ir.schema import CORE, OUT_ADDR
from convc.passes.api import objective_of


class ConstraintViolation(ConvcError):
    pass


def _fail(rule, message):
    raise ConstraintViolation(f"{rule.where}: constraint violated: {message}")


def _outputs(rule, layers, target):
    """(op, layer, output address, memory region) of every non-view layer the rule selects."""
    for op, layer in layers:
        if rule.selector.matches(layer) and not is_view(op):
            addr = OUT_ADDR.get(op)
            yield op, layer, addr, target.region_of(addr, 1)


def check(compiled, annotations, verify_result=None) -> list[str]:
    """Raise ConstraintViolation for the first violated constraint; return what was checked."""
    if annotations is None:
        return []
    target, info = compiled.target, compiled.ctx.info
    checked = []
    with compiled.module.context:
        layers = [(op, layer_of(op, compiled.ctx.onnx_types)) for op in engine_ops(compiled.module.operation)]
        for rule in annotations.of_kind("latency"):
            bound = rule.value("cycles")
            if rule.selector is None:
                total = info.get("estimated_cycles", 0)
                if total > bound:
                    _fail(rule, f"end-to-end latency {total} cycles (estimated) > {bound:g}")
            for op, layer in layers:
                if rule.selector is not None and rule.selector.matches(layer):
                    cycles = engine_of(op).cost(op, target, CORE.get(op)).total
                    if cycles > bound:
                        _fail(rule, f"layer '{layer.node}' ({layer.kind}) takes {cycles} cycles (estimated) > {bound:g}")
            checked.append(rule.where)
        for rule in annotations.of_kind("throughput"):
            fps = frames_per_second(compiled)
            if fps < rule.value("fps"):
                goal = objective_of(compiled.module.operation)
                _fail(rule, f"{fps:.0f} frames/s (estimated: {goal.batch} frame(s) per "
                            f"{info.get('estimated_cycles', 0)} cycles at {target.clock_mhz:g} MHz) < {rule.value('fps'):g}")
            checked.append(rule.where)
        for rule in annotations.of_kind("memory"):
            level, bound = rule.value("level"), rule.value("bytes")
            used = {"l2": info.get("l2_peak_bytes", 0) + info.get("l2_resident_bytes", 0), "dram": info.get("dram_bytes", 0),
                    "l1": info.get("l1_peak_bytes", 0)}[level]
            if used > bound:
                _fail(rule, f"{level} use {used} bytes > {bound}")
            checked.append(rule.where)
        for rule in annotations.of_kind("never_in_dram"):
            for op, layer, addr, region in _outputs(rule, layers, target):
                if region == "dram":
                    _fail(rule, f"layer '{layer.node}' ({layer.kind}) writes its output to DRAM at 0x{addr:08x}")
            checked.append(rule.where)
        for rule in annotations.of_kind("never_leaves_core"):
            core = rule.value("core")
            for op, layer, addr, region in _outputs(rule, layers, target):
                if region != f"l1:{core}":
                    why = (" (a network output: the host reads it from DRAM)"
                           if is_network_output(op.results[0]) else "")
                    _fail(rule, f"layer '{layer.node}' ({layer.kind}) on core {CORE.get(op)} writes its "
                                f"output to {region} at 0x{addr:08x}, outside core {core}{why}")
                for reader in readers(op.results[0]):
                    if reader.operation.name != "func.return" and CORE.get(reader) != core:
                        _fail(rule, f"the output of layer '{layer.node}' ({layer.kind}) is read on core "
                                    f"{CORE.get(reader)} by layer '{layer_of(reader, compiled.ctx.onnx_types).node}'")
            checked.append(rule.where)
    for rule in annotations.of_kind("max_error"):
        if verify_result is None:
            raise ConvcError(f"{rule.where}: max_error needs verification; it runs automatically, so this is a bug")
        err = verify_result["max_abs_error"]
        if err > rule.value("bound"):
            _fail(rule, f"max abs error {err:.5g} against the float model on {verify_result['samples']} "
                        f"calibration samples > {rule.value('bound'):g}")
        checked.append(rule.where)
    return checked


def frames_per_second(compiled) -> float:
    """Frames per second by the compiler's estimate: the batch's frames per end-to-end run."""
    cycles = compiled.ctx.info.get("estimated_cycles", 0)
    frames = objective_of(compiled.module.operation).batch
    return frames * compiled.target.clock_mhz * 1e6 / cycles if cycles else float("inf")


def contradictions(annotations) -> None:
    """Two rules of one kind with the same selector and different values contradict each other."""
    if annotations is None:
        return
    goals = annotations.of_kind("objective")
    if len(goals) > 1:
        raise ConvcError(f"{goals[1].where}: a second objective (the first is at {goals[0].where}); a mapping has one")
    seen = {}
    for rule in annotations.rules:
        if rule.kind not in ("place", "precision", "tile", "replicate", "fuse") or rule.selector is None:
            continue
        key = (rule.kind, rule.selector.text)
        if key in seen and seen[key].values != rule.values:
            first = seen[key]
            if rule.kind == "fuse":
                raise ConvcError(f"{rule.where}: contradicts {first.where}: 'fuse' and 'no_fuse' "
                                 f"for the same selector {rule.selector.text}")
            raise ConvcError(f"{rule.where}: contradicts {first.where}: both are '{rule.kind} "
                             f"{rule.selector.text}' rules with different values")
        seen.setdefault(key, rule)
    stays = {r.selector.text: r for r in annotations.of_kind("never_leaves_core")}
    copies = {r.selector.text: r for r in annotations.of_kind("replicate") if r.value("cores") > 1}
    for rule in annotations.of_kind("place"):
        other = stays.get(rule.selector.text)
        if other is not None and rule.value("core") not in (None, other.value("core")):
            raise ConvcError(f"{rule.where}: contradicts {other.where}: placed on core {rule.value('core')} "
                             f"but must never leave core {other.value('core')}")
        other = copies.get(rule.selector.text)
        if other is not None and rule.value("core") is not None:
            raise ConvcError(f"{rule.where}: contradicts {other.where}: pinned to core {rule.value('core')} "
                             f"but replicated on {other.value('cores')} cores")
