#!/usr/bin/env bash
# Create .venv and install convc with everything it needs (tested versions are pinned in
# pyproject.toml). Idempotent: a second run only checks that everything is in place.
# pip's output goes to .venv/install.log and is shown only when an install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
LOG=.venv/install.log
pip_install() {
  if ! .venv/bin/python -m pip install --disable-pip-version-check "$@" >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "setup: pip install $* failed (log above)" >&2
    exit 1
  fi
}
pip_install --upgrade pip
# torch first and exactly pinned: the CPU wheel, never the registry's CUDA build.
pip_install "torch==2.13.0"
pip_install -e ".[models,test]"
echo "setup: .venv ready ($(.venv/bin/python -c 'import convc, torch_mlir; print("convc", "OK")'))"
