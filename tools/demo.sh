#!/usr/bin/env bash
# The main job on a bundled example: generate the digits CNN (trained on scikit-learn's digits),
# compile it for thetis with calibration and verification, then run the test split through
# the reference runtime and print the accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
PY=.venv/bin/python
$PY tools/make_models.py --out build/models --only digits_cnn
.venv/bin/convc build/models/digits_cnn.onnx --target thetis -o out/digits_cnn \
  --calib build/models/digits_cnn.calib.npz --verify
.venv/bin/convc run out/digits_cnn --input build/models/digits_cnn.test.npz -o out/digits_cnn/y.npy
$PY - <<'PY'
import numpy as np
y = np.load("out/digits_cnn/y.npy")
labels = np.load("build/models/digits_cnn.test.npz")["y"]
print(f"digits test accuracy (convc INT8 on the reference runtime): {(y.argmax(1) == labels).mean():.4f} on {len(labels)} samples")
PY
echo "mapping report: out/digits_cnn/report.txt; stream dump: out/digits_cnn/stream.txt"
