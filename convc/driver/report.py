"""The mapping report: per layer, what the compiler decided and what it expects it to cost.

report.json is for tools (and the tests); report.txt is the same content for people.
"""

import hashlib
import json

from convc.engines import ENGINES, engine_of
from convc.driver.layer_facts import memory_facts
from convc.ir.locations import node_name
from convc.passes.engine_ops import engine_ops
from convc.ir.schema import ACT_BITS, CONST, CORE, ID, IN_BITS, L1, OUT_ADDR, REPLICA, SOURCE, WAITS, WEIGHT_PRECISION
from convc.passes.allocate_cores import choices
from convc.passes.api import objective_of
from convc.passes.directives import HEURISTIC
from convc.passes.engine_ops import is_view


def _decisions(op) -> dict:
    """Each decision the passes made for this op, and where it came from."""
    return dict(SOURCE.items(op))


def _precision(op) -> dict:
    row = {}
    if WEIGHT_PRECISION.has(op):
        row["weights"] = WEIGHT_PRECISION.get(op)
    if IN_BITS.has(op):
        row["inputs"] = f"int{IN_BITS.get(op)}"
    row["activations"] = f"int{ACT_BITS.get(op, 8)}"
    return row


def _replica(op) -> dict:
    """"2/4" for the second of four band copies of a replicated layer."""
    replica = REPLICA.get(op, [])
    return {"replica": f"{replica[0] + 1}/{replica[1]}"} if replica else {}


def _alternatives(op, target) -> dict:
    """Which engines could take the layer, the estimated cost on each, and why the chosen one
    won: {"candidates": [...], "chosen_because": ...}. Views follow their producer."""
    if is_view(op):
        return {}
    candidates = []
    by_group = choices(op, target)
    for group in target.groups:
        for kind, cost in by_group[group.index].items():
            entry = {"cores": f"{group.first}-{group.first + group.count - 1}" if group.count > 1 else str(group.first),
                     "group": group.name, "engine": kind}
            entry.update({"refused": cost} if isinstance(cost, str) else {"estimated_cycles": cost.total})
            candidates.append(entry)
    rule = SOURCE.get(op, "core", HEURISTIC)
    because = (f"the place rule at {rule}" if rule != HEURISTIC else
               "earliest estimated finish in the list schedule (its cost plus the wait for its core and inputs)")
    return {"candidates": candidates, "chosen_because": because}


def layer_rows(module, target) -> list[dict]:
    rows = []
    for op in engine_ops(module.operation):
        engine = engine_of(op)
        cost = engine.cost(op, target, CORE.get(op))
        addresses = {f"{family.prefix}_{name}": f"0x{addr:08x}" for family in (CONST, L1)
                     for name, addr in family.items(op)}
        if OUT_ADDR.has(op):
            addresses["out_addr"] = f"0x{OUT_ADDR.get(op):08x}"
        rows.append({
            "id": ID.get(op),
            "node": node_name(op.location),
            "op": op.operation.name,
            "engine": engine.kind,
            "core": CORE.get(op),
            "precision": _precision(op),
            "decided_by": _decisions(op),
            "shape": list(op.results[0].type.shape),
            "estimated_cycles": cost.total,
            "waits_for": WAITS.get(op, []),
            **memory_facts(op, target),  # l1_bytes, out_bytes, out_level, reads (the layers it reads)
            **_replica(op),
            "addresses": addresses,
            **engine.describe(op),
            **_alternatives(op, target),
        })
    return rows


def macs_by_engine(rows) -> dict:
    """{engine kind: (MACs, share of all MACs)} of the matrix products: how much of the network
    each array computes (an analog array's share, on a target with one)."""
    macs = {}
    for row in rows:
        if "mvm_shape" in row:
            m, k, n = row["mvm_shape"]
            macs[row["engine"]] = macs.get(row["engine"], 0) + m * k * n
    total = sum(macs.values()) or 1
    return {kind: {"macs": v, "share": round(v / total, 4)} for kind, v in sorted(macs.items())}


def objective_figures(compiled) -> dict:
    """The objective and both its figures by the estimate: an inference's latency (all the
    batch's frames are ready at its end) and the frames per second."""
    goal = objective_of(compiled.module.operation)
    cycles = compiled.ctx.info.get("estimated_cycles", 0)
    clock = compiled.target.clock_mhz
    return {"kind": goal.kind, "batch": goal.batch, "source": goal.source,
            "latency_us": round(cycles / clock, 3), "cycles_per_frame": round(cycles / goal.batch),
            "frames_per_second": round(goal.batch * clock * 1e6 / cycles, 1) if cycles else None}


def build_report(compiled, model_path, verify_result=None) -> dict:
    blob = compiled.stream.encode()
    queues = compiled.stream.queues
    report = {
        "model": str(model_path),
        "target": compiled.target.name,
        "compile_seconds": round(compiled.seconds, 3),
        "passes": compiled.ctx.info,
        "warnings": compiled.ctx.warnings,
        "stream": {"bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(),
                   "commands_per_core": {str(c): len(q) for c, q in sorted(queues.items())}},
    }
    with compiled.module.context:
        report["layers"] = layer_rows(compiled.module, compiled.target)
        report["objective"] = objective_figures(compiled)
    report["macs_by_engine"] = macs_by_engine(report["layers"])
    if verify_result is not None:
        report["verify"] = verify_result
        _attach_activity(report["layers"], verify_result.get("spiking", []))
    return report


MEASURED = ("snn.lif", "snn.lif_conv")  # the layers whose commands the runtime prices on their activity


def _attach_activity(rows, spiking: list[dict]) -> None:
    """Each spiking layer's measured activity (one command per layer, in program order) into
    its row as `measured`: spikes, synaptic events, cycles and energy per inference."""
    layers = [row for row in rows if row["op"] in MEASURED]
    if len(layers) != len(spiking):
        return  # a layer split over several commands: no one-to-one pairing to report
    for row, measured in zip(layers, spiking):
        row["measured"] = {k: measured[k] for k in ("spikes", "events", "cycles", "energy_uj")}


def _spiking_lines(rows) -> list[str]:
    layers = [row for row in rows if "measured" in row]
    if not layers:
        return []
    total = sum(row["measured"]["energy_uj"] for row in layers)
    return ["spiking layers, measured per inference (mean over the verify inputs):"] + [
        f"  {row['node']} ({row['op']}): {row['measured']['spikes']:.1f} spikes, {row['measured']['events']:.0f} "
        f"synaptic events, {row['measured']['cycles']:.0f} cycles, {row['measured']['energy_uj']:.4g} uJ"
        for row in layers] + [f"  all spiking layers: {total:.4g} uJ"]


def to_text(report: dict) -> str:
    lines = [f"convc mapping report: {report['model']} on {report['target']}",
             f"compile time {report['compile_seconds']} s; estimated cycles {report['passes'].get('estimated_cycles')} "
             f"(the allocator's list schedule, before memory planning and tiling; `convc run` measures the stream)",
             f"stream {report['stream']['bytes']} bytes, commands per core {report['stream']['commands_per_core']}"]
    goal = report.get("objective")
    if goal:
        lines.append(f"objective {goal['kind']} (from {goal['source']}), {goal['batch']} frame(s) per inference: "
                     f"latency {goal['latency_us']} us, {goal['cycles_per_frame']} cycles per frame, "
                     f"{goal['frames_per_second']} frames/s (estimated)")
    lines.append("")
    width = max([len(row["node"]) for row in report["layers"]] + [4])  # whole names: selectors are pasted from here
    lines.append(f"{'id':>3}  {'node':<{width}} {'op':<14} {'eng':<4} {'core':>4} {'tiles':<9} {'est.cycles':>10}  out_addr")
    for row in report["layers"]:
        tiles = f"{row['row_tiles']}x{row['col_tiles']}" if "row_tiles" in row else "-"
        lines.append(f"{row['id']:>3}  {row['node']:<{width}} {row['op']:<14} {row['engine']:<4} {row['core']:>4} "
                     f"{tiles:<9} {row['estimated_cycles']:>10}  {row['addresses'].get('out_addr', '-')}")
    if report.get("macs_by_engine"):
        lines += ["", "MACs by engine: " + ", ".join(f"{kind} {v['macs']} ({100 * v['share']:.1f}%)"
                                                   for kind, v in report["macs_by_engine"].items())]
    for engine in ENGINES.values():  # what an engine says of its own layers (the CGRA's kernels)
        lines += engine.report_lines([row for row in report["layers"] if row["engine"] == engine.kind])
    split = report["passes"].get("analog_split")
    if split:
        lines += [f"analog split (convc-analog-split): analog layers {split['analog_layers'] or 'none'}; measured "
                  f"error {split['measured_error']} within {split['budget']}; sensitivity {split['sensitivity']}"]
    if "verify" in report and "timesteps" in report["verify"]:  # a spiking network
        v = report["verify"]
        versus = (f"membrane cosine {v['membrane_cosine']:.5f} (max |difference| {v['membrane_max_abs_error']:.4g})"
                  if v["readout"] == "membrane" else
                  f"spike counts equal for {v['spike_count_agreement']:.3f} of output neurons (mean |difference| "
                  f"{v['spike_count_mean_abs_diff']:.3f} spikes)")
        lines += ["", f"verify on {v['samples']} input rasters of {v['timesteps']} steps (dt {v['dt']:g} s): "
                      f"integer_exact={v['integer_exact']}; against the float simulation of the NIR graph: "
                      f"{versus}, argmax agreement {v['argmax_agreement']:.3f}"
                      + (f"; the last layer's membrane (--output-state): cosine {v['state_cosine']:.3f}"
                         if "state_cosine" in v else ""),
                  "spikes per layer (mean per inference): " + ", ".join(f"{s:g}" for s in v["spikes_per_layer"])
                  + f"; measured on the last raster: {v['cycles']} cycles, {v['energy_uj']:.4g} uJ"]
    elif "verify" in report:
        v = report["verify"]
        lines += ["", f"verify on {v['samples']} samples: integer_exact={v['integer_exact']} "
                      f"cosine(min)={v['cosine']:.5f} max_abs_error={v['max_abs_error']:.5g} "
                      + (f"top1_agreement={v['top1_agreement']:.3f}" if v["top1_agreement"] is not None
                         else v.get("top1_note", ""))]
    lines += _spiking_lines(report["layers"])
    return "\n".join(lines) + "\n"


def write(report: dict, out_dir, target=None, trace: dict | None = None) -> None:
    """report.json, report.txt and report.html (with the timeline of `trace`, a run's
    Chrome trace: runtime/trace.py; `target` scales the memory charts)."""
    from convc.driver import report_html
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (out_dir / "report.txt").write_text(to_text(report))
    capacity = report_html.capacities(target) if target is not None else {}
    (out_dir / "report.html").write_text(report_html.render(report, trace, capacity))
