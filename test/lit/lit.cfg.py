# lit configuration for convc's FileCheck tests.
#
# Run from the repository root:  .venv/bin/lit -v test/lit
# Tests call `convc-opt` and `FileCheck` (the Python `filecheck` port); both resolve to the
# console scripts installed next to the Python interpreter that runs lit.

import os
import sys
import tempfile

import lit.formats

config.name = "convc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["Inputs", "lit.cfg.py", "README.md"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
# lit's scratch files (Output/ dirs, .lit_test_times.txt) go outside the source tree.
config.test_exec_root = os.path.join(tempfile.gettempdir(), "convc-lit")

bin_dir = os.path.dirname(sys.executable)
filecheck = os.path.join(bin_dir, "filecheck")
# `lit --param convc_opt=/path/to/convc-opt test/lit` runs the suite against another build.
convc_opt = os.path.abspath(lit_config.params.get("convc_opt", os.path.join(bin_dir, "convc-opt")))
for tool in (filecheck, convc_opt):
    if not os.path.exists(tool):
        lit_config.fatal(f"{tool} not found: run the lit of the convc venv (.venv/bin/lit)")

config.environment["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
config.environment["PYTHONUNBUFFERED"] = "1"
for var in ("HOME", "TMPDIR", "LANG", "LC_ALL", "VIRTUAL_ENV"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

# Match whole words only, so e.g. `convc-opt` is not rewritten inside a path.
config.substitutions.append((r"\bFileCheck\b", filecheck))
config.substitutions.append((r"\bconvc-opt\b", convc_opt))
