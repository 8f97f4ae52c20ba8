#!/usr/bin/env bash
# The whole test suite: lit + FileCheck tests of every pass and dialect, then pytest
# (runtime, frontend, end to end). pytest runs last so its summary is the closing line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/lit -sv test/lit examples
# Two workers: the machine has two cores and most tests wait on compiles.
.venv/bin/python -m pytest -q -n 2 test/pytest "$@"
