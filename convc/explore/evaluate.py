"""One design point: compile the model for the variant target from the shared front of the
pipeline, run it once, and measure (metrics.py). A point that does not work (a layer that
does not fit, a target file the variant makes invalid) is a row with the reason."""
from __future__ import annotations

import tempfile
from pathlib import Path

from convc.errors import ConvcError
from convc.explore import metrics
from convc.explore.sweep import Point
from convc.runtime.stream import StreamError
from convc.runtime.target import TargetError, load_target

PREFIX_END = "convc-quantize"  # the front of the pipeline that design points share
_FRONTENDS: dict[str, object] = {}  # per worker process: model path -> its simplified ONNX model


def prefix_key(target) -> str:
    """What the passes up to PREFIX_END read of `target` (passes/api.py Pass.target_key):
    points with equal keys share one run of them."""
    from convc.driver.pipeline import PIPELINE
    front = PIPELINE[:[p.name for p in PIPELINE].index(PREFIX_END) + 1]
    return repr([p.target_key(target) for p in front])


def front_dump(model, target_file: Path) -> str:
    """The IR after PREFIX_END for `model` on a target (its text: a --compile-from point)."""
    from convc.driver.pipeline import compile_model
    compiled = compile_model(model.onnx, target_file, calib=model.calib, dump_after=[PREFIX_END],
                             warn=lambda m: None, stop_after=PREFIX_END)
    return compiled.dumps[PREFIX_END]


def evaluate(point: Point, front: Path) -> dict:
    """The point's row: its parameters, status ("ok" or "failed", with the reason) and its
    figures. Nothing in it depends on where or when it ran (no timings), so a cached row, a
    local pool's and a Ray cluster's are the same bytes."""
    from convc.driver.pipeline import compile_model
    from convc.driver.report import build_report
    from convc.runtime.host import Program

    row = {"model": point.model.onnx.stem, **{k: v for k, v in point.params}}
    with tempfile.TemporaryDirectory() as tmp:
        target_file = Path(tmp) / "target.toml"
        target_file.write_text(point.target_text)
        try:
            target = load_target(target_file)
            compiled = compile_model(point.model.onnx, target_file, calib=point.model.calib, warn=lambda m: None,
                                     restart=(PREFIX_END, front), onnx_model=_FRONTENDS.get(str(point.model.onnx)))
            _FRONTENDS.setdefault(str(point.model.onnx), compiled.onnx_model)
            report = build_report(compiled, point.model.onnx)
            sample = compiled.ctx.calibration[0]
            run = Program(compiled.stream, compiled.target, batch=1).run(dict(zip(compiled.input_names, sample)))
        except (ConvcError, TargetError, StreamError) as exc:
            row.update(status="failed", reason=str(exc).splitlines()[0])
            return row
    latency = run.counters.total_cycles / target.clock_mhz
    row.update(status="ok", reason="", latency_us=round(latency, 4), energy_uj=round(run.counters.energy_uj, 6),
               fps=round(1e6 / latency, 3) if latency else None,
               memory_kib=round(metrics.memory_kib(report, target), 1),
               area_mm2=round(metrics.area_mm2(target), 4), cycles=run.counters.total_cycles)
    return row
