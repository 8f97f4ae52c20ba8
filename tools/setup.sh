#!/usr/bin/env bash
# Create .venv and install convc with everything it needs (tested versions are pinned in
# pyproject.toml). Idempotent: a second run only checks that everything is in place.
# pip's output goes to .venv/install.log and is shown only when an install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The pinned torch and torch-mlir wheels are tested on Python 3.11 (pyproject.toml): say so in
# one line before pip spends minutes failing on another version.
if [ ! -x .venv/bin/python ] && ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "setup: $PY is Python $("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?'); convc needs 3.11: run PYTHON=python3.11 bash tools/setup.sh" >&2
  exit 1
fi
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
# Say what is being installed: the first run takes a few minutes, and pip's own output goes to the log.
say() { :; }
if ! .venv/bin/python -c 'import convc, torch, torch_mlir' 2>/dev/null; then
  say() { echo "setup: $*"; }
  say "installing into .venv (the first run takes a few minutes; pip's log: $LOG)"
fi
pip_install --upgrade pip
# torch first and exactly pinned: the CPU wheel, never the registry's CUDA build.
say "torch 2.13.0 (CPU build, for the model generators)"
pip_install "torch==2.13.0"
say "convc and its pinned dependencies (torch-mlir, onnx, onnxruntime, ...; pyproject.toml)"
pip_install -e ".[models,test]"
# The report test renders report.html in a real headless browser: Debian's Chromium, installed
# here when missing and this user may install system packages (CI runs as root).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: Debian's chromium (the report test's headless browser; about a minute)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$LOG" 2>&1; then
      cat "$LOG" >&2
      echo "setup: apt-get install chromium failed (log above)" >&2
      exit 1
    fi
  else
    echo "setup: chromium not found and not root: the report test will be skipped (apt-get install chromium)" >&2
  fi
fi
echo "setup: .venv ready ($(.venv/bin/python -c 'import convc, torch_mlir; print("convc", "OK")'))"
