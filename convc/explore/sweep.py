"""The sweep file: a base target, the parameters to vary, the models, objectives, constraints.

    base = "thetis"                                # a shipped target or a target file
    objectives = ["latency_us", "energy_uj", "area_mm2"]

    [[models]]
    onnx = "../build/models/resnet_mini.onnx"      # paths relative to the sweep file
    calib = "../build/models/resnet_mini.calib.npz"

    [parameters]                                   # dotted paths into the target file
    "cores.count" = [1, 2, 4, 8]                   # `cores` reaches every core group
    "cores.engines.imc.rows" = [128, 256, 512]
    "memory.l1.size" = { from = 1048576, to = 4194304, times = 4 }

    [tied]                                         # set from another parameter's value
    "cores.engines.imc.cols" = "cores.engines.imc.rows"

    [constraints]
    latency_us = { max = 200.0 }

Every point is one model on one combination of the parameters (their cartesian product).
Errors name the file and the key.
"""
from __future__ import annotations

import copy
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from convc.errors import ConvcError
from convc.explore.metrics import OBJECTIVES
from convc.targets import resolve


@dataclass(frozen=True)
class Model:
    onnx: Path
    calib: Path | None


@dataclass(frozen=True)
class Point:
    index: int
    model: Model
    params: tuple[tuple[str, object], ...]  # (path, value) in the sweep file's order
    target_text: str  # the variant's target file


@dataclass
class Sweep:
    path: Path
    base: Path
    models: list[Model]
    parameters: dict[str, list]
    tied: dict[str, str]
    objectives: list[str]
    constraints: dict[str, dict]

    def points(self) -> list[Point]:
        base = tomllib.loads(self.base.read_text())
        names = list(self.parameters)
        points = []
        for values in itertools.product(*(self.parameters[n] for n in names)):
            chosen = dict(zip(names, values))
            target = copy.deepcopy(base)
            for path, value in chosen.items():
                _set(target, path, value, self.path)
            for path, source in self.tied.items():
                _set(target, path, chosen[source], self.path)
                chosen[path] = chosen[source]
            text = _toml(target)
            for model in self.models:
                points.append(Point(len(points), model, tuple(chosen.items()), text))
        return points


def _fail(path: Path, key: str, why: str):
    raise ConvcError(f"{path}: {key}: {why}")


def load(path: str | Path) -> Sweep:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConvcError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConvcError(f"{path}: not a TOML file: {exc}") from None
    known = {"base", "models", "parameters", "tied", "objectives", "constraints"}
    for key in raw:
        if key not in known:
            _fail(path, key, f"unknown key (the sweep file takes {', '.join(sorted(known))})")
    if not isinstance(raw.get("base"), str):
        _fail(path, "base", "missing: name a shipped target or a target file")
    base = Path(raw["base"])
    base = (path.parent / base) if base.suffix == ".toml" else resolve(raw["base"])
    if not base.is_file():
        _fail(path, "base", f"no target file {base}")
    models = []
    for i, m in enumerate(raw.get("models") or []):
        if not isinstance(m, dict) or not isinstance(m.get("onnx"), str):
            _fail(path, f"models[{i}]", 'each [[models]] needs onnx = "MODEL.onnx" (and optionally calib)')
        calib = path.parent / m["calib"] if m.get("calib") else None
        models.append(Model(path.parent / m["onnx"], calib))
    if not models:
        _fail(path, "models", "no [[models]]: a sweep compiles at least one model")
    parameters = {}
    for name, spec in (raw.get("parameters") or {}).items():
        parameters[name] = _values(path, f"parameters.{name}", spec)
    tied = raw.get("tied") or {}
    for name, source in tied.items():
        if source not in parameters:
            _fail(path, f"tied.{name}", f"names {source!r}, which is not one of the [parameters]")
    objectives = raw.get("objectives") or ["latency_us", "energy_uj"]
    for name in objectives:
        if name not in OBJECTIVES:
            _fail(path, "objectives", f"unknown objective {name!r} (known: {', '.join(OBJECTIVES)})")
    constraints = raw.get("constraints") or {}
    for name, bound in constraints.items():
        if name not in OBJECTIVES:
            _fail(path, f"constraints.{name}", f"unknown figure (known: {', '.join(OBJECTIVES)})")
        if not isinstance(bound, dict) or not set(bound) <= {"min", "max"} or not bound:
            _fail(path, f"constraints.{name}", "give { max = X } and/or { min = X }")
    return Sweep(path, base, models, parameters, tied, list(objectives), constraints)


def _values(path: Path, key: str, spec) -> list:
    """A list, or a range: { from, to, step } (arithmetic) or { from, to, times } (geometric)."""
    if isinstance(spec, list) and spec:
        return spec
    if isinstance(spec, dict) and {"from", "to"} <= set(spec) and len(set(spec) & {"step", "times"}) == 1:
        lo, hi = spec["from"], spec["to"]
        values, v = [], lo
        grow = (lambda x: x + spec["step"]) if "step" in spec else (lambda x: x * spec["times"])
        if ("step" in spec and spec["step"] <= 0) or ("times" in spec and spec["times"] <= 1):
            _fail(path, key, "step must be > 0 and times > 1")
        while v <= hi:
            values.append(v)
            v = grow(v)
        return values
    _fail(path, key, "give a non-empty list, { from, to, step } or { from, to, times }")


def _set(target: dict, path: str, value, sweep: Path) -> None:
    """Set a dotted path; a list on the way (the [[cores]] groups) is set in every element."""
    def walk(node, parts, done):
        if isinstance(node, list):
            for item in node:
                walk(item, parts, done)
            return
        if not isinstance(node, dict):
            _fail(sweep, f"parameters.{path}", f"{'.'.join(done)} is not a table of the target")
        head, rest = parts[0], parts[1:]
        if not rest:
            node[head] = value
            return
        if head not in node:
            _fail(sweep, f"parameters.{path}", f"the base target has no {'.'.join(done + [head])}")
        walk(node[head], rest, done + [head])
    walk(target, path.split("."), [])


def _toml(target: dict) -> str:
    import tomli_w
    return tomli_w.dumps(target)
