"""Shared fixtures: the repo root and the generated model zoo (tools/make_models.py)."""
import fcntl
import hashlib
import importlib.util
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MAKE_MODELS = REPO_ROOT / "tools" / "make_models.py"
NETWORKS = REPO_ROOT / "tools" / "networks.py"  # the nn.Modules make_models.py exports
MODELS_CACHE = REPO_ROOT / "build" / "models"


def _load_make_models():
    # tools/ is not a package; load the script by path.
    spec = importlib.util.spec_from_file_location("make_models", MAKE_MODELS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stamp():
    # The script's hash decides reuse; library versions are recorded too
    # because the exported bytes depend on them.
    import onnx
    import torch
    return {"make_models_sha256": hashlib.sha256(MAKE_MODELS.read_bytes()).hexdigest(),
            "networks_sha256": hashlib.sha256(NETWORKS.read_bytes()).hexdigest(),
            "torch": torch.__version__, "onnx": onnx.__version__}


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def make_models():
    """The tools/make_models.py module (make_all, MODEL_NAMES, ...)."""
    return _load_make_models()


@pytest.fixture(scope="session")
def models_dir(make_models):
    """build/models/ with every model, regenerated only when the script changed."""
    stamp_file = MODELS_CACHE / "stamp.json"
    want = _stamp()
    MODELS_CACHE.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers share the cache: one generates, the others wait for it.
    with open(MODELS_CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        have = json.loads(stamp_file.read_text()) if stamp_file.exists() else None
        complete = all((MODELS_CACHE / f"{n}.{kind}").exists()
                       for n in make_models.MODEL_NAMES
                       for kind in ("onnx", "calib.npz", "sample.npz"))
        if have != want or not complete:
            stamp_file.unlink(missing_ok=True)  # a crash mid-generation must not leave a valid stamp
            make_models.make_all(MODELS_CACHE)
            stamp_file.write_text(json.dumps(want, indent=1) + "\n")
    return MODELS_CACHE


@pytest.fixture(autouse=True)
def _order_independent_rng(request):
    """A test module that draws its data from a module-level `RNG` gets it reseeded from the
    test's own name: otherwise the data, and the thresholds checked on them, would depend on
    which tests a pytest-xdist worker happened to run before."""
    if isinstance(getattr(request.module, "RNG", None), np.random.Generator):
        request.module.RNG = np.random.default_rng(zlib.crc32(request.node.name.encode()))
