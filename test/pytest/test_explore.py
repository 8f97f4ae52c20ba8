"""convc explore: the sweep file, the points, failed rows, the Pareto front, the cache, and the
same bytes from a local pool and from a local Ray instance."""
import csv
import io
from pathlib import Path

import pytest

import convc.explore.run as run_mod
from convc.errors import ConvcError
from convc.explore import pareto, sweep as sweep_mod
from convc.explore.run import run_sweep
from helpers import convc

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "explore" / "thetis_sweep.toml"


def _sweep(tmp_path, models_dir, body, models=("mlp",)):
    text = 'base = "thetis"\n' + "".join(
        f'[[models]]\nonnx = "{models_dir / m}.onnx"\ncalib = "{models_dir / m}.calib.npz"\n' for m in models) + body
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    return path


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


@pytest.mark.parametrize("body, message", [
    ('[parameters]\n"cores.count" = []\n', r"parameters\.cores\.count: give a non-empty list"),
    ('[parameters]\n"cores.nothing.rows" = [1]\n', r"parameters\.cores\.nothing\.rows: the base target has no cores\.nothing"),
    ('[tied]\n"cores.engines.imc.cols" = "rows"\n', r"tied\.cores\.engines\.imc\.cols: names 'rows'"),
    ('objectives = ["speed"]\n', r"objectives: unknown objective 'speed'"),
    ('[constraints]\nlatency_us = 3\n', r"constraints\.latency_us: give \{ max = X \}"),
    ('colour = "red"\n', r"colour: unknown key"),
])
def test_sweep_errors_name_the_file_and_the_key(tmp_path, models_dir, body, message):
    path = _sweep(tmp_path, models_dir, body) if "objectives" not in body and "colour" not in body else None
    if path is None:  # keys that belong before the [[models]] tables
        path = tmp_path / "sweep.toml"
        path.write_text(f'base = "thetis"\n{body}[[models]]\nonnx = "m.onnx"\n')
    with pytest.raises(ConvcError, match=rf"^{path}: {message}"):
        sweep_mod.load(path).points()


def test_ranges_ties_and_the_cartesian_product(tmp_path, models_dir):
    path = _sweep(tmp_path, models_dir, '[parameters]\n"cores.count" = { from = 1, to = 8, times = 2 }\n'
                  '"cores.engines.imc.rows" = { from = 128, to = 384, step = 128 }\n'
                  '[tied]\n"cores.engines.imc.cols" = "cores.engines.imc.rows"\n', models=("mlp", "resnet_mini"))
    points = sweep_mod.load(path).points()
    assert len(points) == 4 * 3 * 2
    assert [dict(p.params)["cores.count"] for p in points[::6]] == [1, 2, 4, 8]
    assert {dict(p.params)["cores.engines.imc.rows"] for p in points} == {128, 256, 384}
    assert all(dict(p.params)["cores.engines.imc.cols"] == dict(p.params)["cores.engines.imc.rows"] for p in points)
    assert 'rows = 384\ncols = 384' in points[-1].target_text.replace("\r", "")


def test_the_example_sweep_gives_a_table_a_front_and_failed_rows(models_dir, tmp_path):
    copy = tmp_path / "sweep.toml"  # the example's paths are relative to examples/explore/
    copy.write_text(EXAMPLE.read_text().replace("../../build/models", str(models_dir)))
    proc = convc("explore", copy, "-o", tmp_path / "dse", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path / "dse" / "points.csv")
    assert len(rows) == 4 * 3 * 2 * 2
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all(r["model"] == "mlp" and r["memory.l1.size"] == "8192" and "L1" in r["reason"] for r in failed)
    assert any(r["status"] == "violates" and "latency_us" in r["reason"] for r in rows)
    front = _rows(tmp_path / "dse" / "pareto.csv")
    objectives = ["latency_us", "energy_uj", "area_mm2"]
    ok = [{**r, **{o: float(r[o]) for o in objectives}} for r in rows if r["status"] == "ok"]
    chosen = {r["point"] for r in front}
    for r in ok:  # the front is exactly the non-dominated working points, per model
        dominated = any(pareto.dominates(o, r, objectives) for o in ok if o["model"] == r["model"])
        assert (r["point"] in chosen) == (not dominated)
    page = (tmp_path / "dse" / "index.html").read_text()
    assert page.count('<svg class="plot"') == 2 * 3 and 'class="front"' in page and "<script" not in page


def test_identical_points_run_once_and_a_rerun_runs_nothing(models_dir, tmp_path, monkeypatch):
    path = _sweep(tmp_path, models_dir, '[parameters]\n"cores.count" = [2, 2, 4]\n')
    ran = []
    real = run_mod._evaluate_task
    monkeypatch.setattr(run_mod, "_evaluate_task", lambda point, front: ran.append(point.index) or real(point, front))
    first = run_sweep(sweep_mod.load(path), tmp_path / "dse", jobs=1)
    assert len(first) == 3 and len(ran) == 2  # cores 2 twice: one evaluation
    assert {k: v for k, v in first[0].items() if k != "point"} == {k: v for k, v in first[1].items() if k != "point"}
    again = run_sweep(sweep_mod.load(path), tmp_path / "dse", jobs=1)
    assert again == first and len(ran) == 2


def test_a_ray_cluster_gives_the_same_bytes_as_the_local_pool(models_dir, tmp_path):
    pytest.importorskip("ray")
    path = _sweep(tmp_path, models_dir, '[parameters]\n"cores.count" = [1, 4]\n"memory.l1.size" = [8192, 4194304]\n')
    local = convc("explore", path, "-o", tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    on_ray = convc("explore", path, "-o", tmp_path / "ray", "--ray", "local")  # its own cache: all points again
    assert on_ray.returncode == 0, on_ray.stderr
    for name in ("points.csv", "pareto.csv", "points.json", "index.html"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
