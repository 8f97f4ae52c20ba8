"""Expert passes: `--pass-plugin my_pass.py` adds a Python-defined MLIR pass to the pipeline.

A plugin file defines two module-level names:

    PASS = Pass("my-pass", run, "what it does")   # from convc.passes.api
    AFTER = "convc-allocate-cores"                # the built-in pass it runs after

`run(module_op, ctx)` receives the same IR and PassContext as the built-in passes (target,
annotations, warnings, info). Raise ConvcError for user-facing problems.
"""

import importlib.util
from pathlib import Path

from convc.errors import ConvcError
from convc.passes.api import Pass


def load_plugin(path) -> tuple[Pass, str]:
    path = Path(path)
    if not path.is_file():
        raise ConvcError(f"{path}: no such pass plugin")
    spec = importlib.util.spec_from_file_location(f"convc_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConvcError(f"{path}: the plugin failed to load: {type(exc).__name__}: {exc}") from None
    plugin, after = getattr(module, "PASS", None), getattr(module, "AFTER", None)
    if not isinstance(plugin, Pass):
        raise ConvcError(f"{path}: a pass plugin must define PASS = Pass(name, run, description)")
    if not isinstance(after, str):
        raise ConvcError(f"{path}: a pass plugin must define AFTER = '<built-in pass name>'")
    return plugin, after


def extend(pipeline: list[Pass], plugin_paths) -> list[Pass]:
    """The pipeline with each plugin inserted right after the pass it names."""
    result = list(pipeline)
    for path in plugin_paths:
        plugin, after = load_plugin(path)
        names = [p.name for p in result]
        if after not in names:
            raise ConvcError(f"{path}: AFTER = '{after}' is not a pass of the pipeline ({', '.join(names)})")
        if plugin.name in names:
            raise ConvcError(f"{path}: a pass named '{plugin.name}' is already in the pipeline")
        result.insert(names.index(after) + 1, plugin)
    return result
