"""The sweep's outputs: the table of every point (CSV), the Pareto front over the objectives
among the points that work and meet the constraints, and a page of plots (objective against
objective, the front highlighted), self-contained like report.html."""
from __future__ import annotations

import csv
import html
import io
import itertools

from convc.explore.metrics import OBJECTIVES

FIGURES = ("latency_us", "energy_uj", "fps", "memory_kib", "area_mm2", "cycles")


def check_constraints(rows: list[dict], constraints: dict) -> None:
    """Mark rows that work but break a constraint: status "violates", reason the bound."""
    for row in rows:
        if row.get("status") != "ok":
            continue
        for name, bound in constraints.items():
            value = row.get(name)
            if "max" in bound and value > bound["max"] or "min" in bound and value < bound["min"]:
                row["status"], row["reason"] = "violates", f"{name} {value} outside {bound}"
                break


def dominates(a: dict, b: dict, objectives: list[str]) -> bool:
    better = False
    for o in objectives:
        x, y = (a[o], b[o]) if OBJECTIVES[o] == "min" else (-a[o], -b[o])
        if x > y:
            return False
        better |= x < y
    return better


def front(rows: list[dict], objectives: list[str]) -> list[dict]:
    """The rows no other working row dominates, per model (designs are compared on one model)."""
    ok = [r for r in rows if r.get("status") == "ok"]
    return [r for r in ok if not any(dominates(o, r, objectives) for o in ok if o["model"] == r["model"])]


def to_csv(rows: list[dict], parameters: list[str]) -> str:
    columns = ["point", "model", *parameters, "status", "reason", *FIGURES]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def _scatter(rows, best, x, y, model) -> str:
    pts = [r for r in rows if r.get("status") in ("ok", "violates") and r["model"] == model]
    if not pts:
        return ""
    w, h, pad = 360, 260, 40
    xs, ys = [r[x] for r in pts], [r[y] for r in pts]
    (x0, x1), (y0, y1) = (min(xs), max(xs)), (min(ys), max(ys))
    sx = lambda v: pad + (w - 2 * pad) * ((v - x0) / (x1 - x0) if x1 > x0 else 0.5)  # noqa: E731
    sy = lambda v: h - pad - (h - 2 * pad) * ((v - y0) / (y1 - y0) if y1 > y0 else 0.5)  # noqa: E731
    marks = []
    for r in pts:
        on = r["point"] in best
        params = ", ".join(f"{k}={r[k]}" for k in r if k not in FIGURES and k not in ("point", "model", "status",
                                                                                        "reason"))
        marks.append(f'<circle class="{"front" if on else "pt"}{" bad" if r["status"] != "ok" else ""}" '
                     f'cx="{sx(r[x]):.1f}" cy="{sy(r[y]):.1f}" r="{5 if on else 3.5}">'
                     f'<title>point {r["point"]}: {html.escape(params)}; {x} {r[x]}, {y} {r[y]}</title></circle>')
    return (f'<svg class="plot" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
            f'<rect x="{pad}" y="{pad}" width="{w - 2 * pad}" height="{h - 2 * pad}" class="frame"/>'
            f'<text x="{w / 2}" y="{h - 8}" class="axis">{x} ({x0:g} – {x1:g})</text>'
            f'<text x="12" y="{h / 2}" class="axis" transform="rotate(-90 12 {h / 2})">{y} ({y0:g} – {y1:g})</text>'
            + "".join(marks) + "</svg>")


def to_html(rows: list[dict], best: list[dict], objectives: list[str], title: str) -> str:
    ids = {r["point"] for r in best}
    models = sorted({r["model"] for r in rows})
    plots = []
    for model in models:
        pairs = list(itertools.combinations(objectives, 2)) or [(objectives[0], objectives[0])]
        plots.append(f"<h2>{html.escape(model)}</h2>" + "".join(_scatter(rows, ids, x, y, model) for x, y in pairs))
    failed = [r for r in rows if r.get("status") != "ok"]
    table = "".join(f"<tr><td>{r['point']}</td><td>{html.escape(r['model'])}</td><td>{r['status']}</td>"
                    f"<td>{html.escape(str(r.get('reason', '')))}</td></tr>" for r in failed)
    front_rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(k, '')))}</td>"
                                          for k in ("point", "model", *objectives)) + "</tr>" for r in best)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>convc explore</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{len(rows)} points, {sum(r.get('status') == 'ok' for r in rows)} working, {len(best)} on the "
            f"Pareto front of {', '.join(objectives)} (large dots; hover a dot for its parameters).</p>"
            + "".join(plots)
            + '<h2>Pareto front</h2><table id="front"><tr>' + "".join(f"<th>{k}</th>" for k in ("point", "model", *objectives))
            + f"</tr>{front_rows}</table>"
            + f'<h2>Points that fail or break a constraint</h2><table id="failed"><tr><th>point</th><th>model</th>'
              f"<th>status</th><th>reason</th></tr>{table}</table></body></html>\n")


STYLE = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
svg.plot { margin: 4px 8px 8px 0; }
svg rect.frame { fill: none; stroke: #ccc; }
svg text.axis { font-size: 11px; fill: #555; text-anchor: middle; }
circle.pt { fill: #9db4d0; }
circle.front { fill: #e15759; stroke: #222; }
circle.bad { fill: none; stroke: #bbb; }
table { border-collapse: collapse; margin: 6px 0 16px; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
"""
