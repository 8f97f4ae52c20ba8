"""report.html: the mapping on one self-contained page (no scripts, fonts or network).

From report.json (the compiler's decisions per layer) and, when there is one, the trace of a
run (runtime/trace.py: `--verify` writes it, as does `convc run --trace`): the mapping table
with estimated and measured cycles, a timeline per core and track (DMA, programming, compute,
waits) drawn as SVG, the occupancy of each core's L1 and of the L2 over that timeline, the
utilisation of each track, and the verification figures. Occupancy is the trace's memory
counters (runtime/trace.py): the compiler's plan over the measured timeline.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

TRACK_COLOURS = {"dma": "#4e79a7", "program": "#f28e2b", "compute": "#59a14f", "wait": "#c9c3bd"}
WIDTH = 1100  # px of the time axis
ROW = 16  # px per timeline track
LABEL = 150  # px for the track names


@dataclass
class Timeline:
    """The X events of a trace, per (core, track), and each layer's measured extent."""
    clock_mhz: float
    end_us: float
    tracks: dict = field(default_factory=dict)  # (core, track) -> [(ts, dur, name, args)]
    layers: dict = field(default_factory=dict)  # layer id -> [start_us, end_us, busy_us, energy_pj]

    @classmethod
    def of(cls, trace: dict) -> Timeline:
        other = trace.get("otherData", {})
        clock = float(other.get("clock_mhz") or 1.0)
        names = {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
                 if e.get("ph") == "M" and e.get("name") == "thread_name"}
        t = cls(clock, float(other.get("cycles", 0)) / clock)
        for e in trace["traceEvents"]:
            if e.get("ph") != "X":
                continue
            track = names.get((e["pid"], e["tid"]), str(e["tid"]))
            t.tracks.setdefault((e["pid"], track), []).append((e["ts"], e["dur"], e["name"], e.get("args", {})))
            t.end_us = max(t.end_us, e["ts"] + e["dur"])
            layer = e.get("args", {}).get("layer_id")
            if layer is not None:
                ext = t.layers.setdefault(layer, [e["ts"], e["ts"] + e["dur"], 0.0, 0.0])
                ext[0], ext[1] = min(ext[0], e["ts"]), max(ext[1], e["ts"] + e["dur"])
                if track != "wait":
                    ext[2] += e["dur"]
                ext[3] += e.get("args", {}).get("energy_pj", 0.0)
        return t


def _family(track: str) -> str:
    return track.split(":")[0]


def _colour(track: str, args: dict) -> str:
    if _family(track) == "compute" and args.get("layer_id") is not None:  # layers told apart
        return f"hsl({(int(args['layer_id']) * 47) % 360},55%,50%)"
    return TRACK_COLOURS.get(_family(track), "#999")


def _axis(end_us: float, height: int) -> list[str]:
    step = _nice_step(end_us / 10)
    out, t = [], 0.0
    while t <= end_us and step > 0:
        x = LABEL + WIDTH * t / end_us
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" class="grid"/>'
                   f'<text x="{x:.1f}" y="{height + 12}" class="tick">{t:g} µs</text>')
        t += step
    return out


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 0.0
    base = 10 ** int(f"{raw:e}".split("e")[1])
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)


def timeline_svg(t: Timeline) -> str:
    keys = sorted(t.tracks, key=lambda k: (k[0], ["dma", "program", "compute", "wait"].index(_family(k[1]))
                                           if _family(k[1]) in TRACK_COLOURS else 9, k[1]))
    height = ROW * len(keys)
    parts = [f'<svg id="timeline" width="{LABEL + WIDTH + 40}" height="{height + 20}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    parts += _axis(t.end_us, height)
    scale = WIDTH / t.end_us if t.end_us else 0.0
    for row, key in enumerate(keys):
        y = row * ROW
        parts.append(f'<text x="4" y="{y + ROW - 4}" class="track">core {key[0]} · {html.escape(key[1])}</text>')
        for ts, dur, name, args in t.tracks[key]:
            tip = f"{name} ({args.get('op', '')}) {ts:.2f}–{ts + dur:.2f} µs, {args.get('cycles', '')} cycles"
            parts.append(f'<rect class="span" x="{LABEL + ts * scale:.2f}" y="{y + 2}" '
                         f'width="{max(dur * scale, 0.4):.2f}" height="{ROW - 4}" fill="{_colour(key[1], args)}">'
                         f'<title>{html.escape(tip)}</title></rect>')
    parts.append("</svg>")
    return "\n".join(parts)


def occupancy(trace: dict) -> dict[str, list[tuple[float, int]]]:
    """{memory: [(time µs, bytes from then on)]} from the trace's memory counters (runtime
    trace.py derives them from the plan and the measured timeline)."""
    curves: dict[str, list[tuple[float, int]]] = {}
    for e in trace["traceEvents"]:
        if e.get("ph") == "C" and e.get("name") in ("L1 bytes in use", "L2 bytes live"):
            memory = f"L1 core {e['pid']}" if e["name"].startswith("L1") else "L2"
            curves.setdefault(memory, [(0.0, 0)]).append((e["ts"], e["args"]["bytes"]))
    return dict(sorted(curves.items()))


def occupancy_svg(curves: dict, end_us: float, capacity: dict) -> str:
    height_each, parts = 60, []
    total = (height_each + 24) * len(curves)
    parts.append(f'<svg id="occupancy" width="{LABEL + WIDTH + 40}" height="{total + 4}" xmlns="http://www.w3.org/2000/svg">')
    scale = WIDTH / end_us if end_us else 0.0
    for row, (memory, points) in enumerate(curves.items()):
        top = row * (height_each + 24) + 4
        peak = max(b for _, b in points)
        size = capacity.get(memory)
        cap = 1.1 * peak or 1  # drawn to its own peak: a small model's few KB would not show against MBs
        of = f" of {size / 1024:.0f} KiB ({100 * peak / size:.1f}%)" if size else ""
        path, last = [], 0
        for ts, b in points:
            x = LABEL + ts * scale
            path += [f"{x:.2f},{top + height_each * (1 - last / cap):.2f}", f"{x:.2f},{top + height_each * (1 - b / cap):.2f}"]
            last = b
        path.append(f"{LABEL + WIDTH:.2f},{top + height_each * (1 - last / cap):.2f}")
        parts.append(f'<text x="4" y="{top + 12}" class="track">{html.escape(memory)}</text>'
                     f'<text x="4" y="{top + 26}" class="tick">peak {peak / 1024:.0f} KiB{of}</text>'
                     f'<rect x="{LABEL}" y="{top}" width="{WIDTH}" height="{height_each}" class="frame"/>'
                     f'<polyline class="level" points="{" ".join(path)}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _utilisation(t: Timeline) -> list[str]:
    rows = []
    for (core, track), spans in sorted(t.tracks.items()):
        busy = sum(d for _, d, _, _ in spans)
        share = busy / t.end_us if t.end_us else 0.0
        rows.append(f"<tr><td>{core}</td><td>{html.escape(track)}</td><td>{busy:.1f}</td>"
                    f'<td><div class="bar" style="width:{200 * share:.0f}px"></div> {100 * share:.1f}%</td></tr>')
    return rows


def _verify_lines(v: dict) -> str:
    keys = ("integer_exact", "cosine", "cosine_mean", "max_abs_error", "top1_agreement", "samples")
    return "".join(f"<tr><td>{k}</td><td>{html.escape(str(v[k]))}</td></tr>" for k in keys if k in v)


def capacities(target) -> dict[str, int]:
    """{"L1 core i": bytes, "L2": bytes} of a runtime Target, the occupancy charts' full scale."""
    return {**{f"L1 core {c}": target.l1_size(c) for c in range(target.cores)}, "L2": target.l2.size}


def render(report: dict, trace: dict | None = None, capacity: dict | None = None) -> str:
    """The page. `capacity`: bytes of each memory of the occupancy charts (capacities())."""
    t = Timeline.of(trace) if trace else None
    measured = {lid: ext for lid, ext in (t.layers.items() if t else [])}
    head = ["id", "node", "op", "engine", "core", "tiles", "precision", "out_addr", "est. cycles", "measured cycles",
            "energy µJ", "decided by"]
    body = []
    for r in report["layers"]:
        tiles = f"{r['row_tiles']}×{r['col_tiles']}" if "row_tiles" in r else "–"
        m = measured.get(r["id"])
        cycles = f"{m[2] * t.clock_mhz:.0f}" if m else "–"
        energy = f"{m[3] * 1e-6:.4g}" if m else "–"
        decided = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("decided_by", {}).items()))
        precision = "/".join(str(v) for v in r.get("precision", {}).values())
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (
            r["id"], r["node"], r["op"], r["engine"], r["core"], tiles, precision,
            r.get("addresses", {}).get("out_addr", "–"), r["estimated_cycles"], cycles, energy, decided)) + "</tr>")
    sections = [f"<h1>convc mapping: {html.escape(str(report.get('model')))} on {html.escape(str(report.get('target')))}</h1>",
                f"<p>{len(report['layers'])} layers, stream {report['stream']['bytes']} bytes, compiled in "
                f"{report.get('compile_seconds')} s; estimated {report['passes'].get('estimated_cycles')} cycles"
                + (f"; measured {t.end_us * t.clock_mhz:.0f} cycles ({t.end_us:.1f} µs at {t.clock_mhz:g} MHz)" if t else "")
                + "</p>"]
    if "verify" in report:
        sections.append(f'<h2>Verification</h2><table id="verify">{_verify_lines(report["verify"])}</table>')
    if t:
        sections.append("<h2>Timeline</h2><p>Per core and track, the first sample's commands; hover for the "
                        "layer, opcode and cycles. Compute spans are coloured by layer.</p>" + timeline_svg(t))
        curves = occupancy(trace)
        if curves:
            sections.append("<h2>Memory occupancy</h2><p>L1 working sets while their layers run; L2 outputs "
                            "from the producing layer's start to the end of the last layer reading them.</p>"
                            + occupancy_svg(curves, t.end_us, capacity or {}))
        sections.append('<h2>Utilisation</h2><table id="utilisation"><tr><th>core</th><th>track</th><th>busy µs</th>'
                        "<th>share of the run</th></tr>" + "".join(_utilisation(t)) + "</table>")
    else:
        sections.append('<p class="note">No timeline: compile with <code>--verify</code>, or run '
                        "<code>convc run OUT --input X -o Y --trace T.json</code> and then "
                        "<code>convc report OUT --trace T.json</code>.</p>")
    sections.append('<h2>Layers</h2><table id="layers"><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
                    + "\n".join(body) + "</table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>convc mapping report</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n")


STYLE = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
table { border-collapse: collapse; margin: 6px 0 16px; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; }
svg text.track { font-size: 11px; fill: #333; }
svg text.tick { font-size: 10px; fill: #777; }
svg line.grid { stroke: #eee; }
svg rect.frame { fill: none; stroke: #ccc; }
svg polyline.level { fill: none; stroke: #4e79a7; stroke-width: 1.5; }
div.bar { display: inline-block; height: 9px; background: #59a14f; vertical-align: middle; }
p.note { color: #666; }
"""
