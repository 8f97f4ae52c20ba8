"""The CLI over a corpus of malformed and unusual models (tools/make_bad_models.py, issue 16):
each compiles into a stream that verifies bit-exactly, or fails with exit code 1 and one
`error:` line naming the node, the input or the file; never a traceback."""

import importlib.util
import json

import pytest

from helpers import assert_one_line_error, convc


def _load_tool(repo_root):
    spec = importlib.util.spec_from_file_location("make_bad_models", repo_root / "tools" / "make_bad_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("bad_models")
    _load_tool(repo_root).make_all(out)
    return out, json.loads((out / "cases.json").read_text())


CASES = ["conv_weights_as_input", "integer_input", "integer_relu", "nan_calibration", "wrong_calibration_key",
         "old_opset_batchnorm", "grouped_conv", "maxpool_3d", "dynamic_batch", "unsupported_ops", "empty_graph",
         "huge_input", "not_onnx"]


def test_the_corpus_is_what_the_test_runs(corpus):
    assert sorted(corpus[1]) == sorted(CASES)


@pytest.mark.parametrize("name", CASES)
def test_a_bad_model_fails_in_one_line_or_verifies(corpus, name, tmp_path):
    out_dir, cases = corpus
    case = cases[name]
    args = [out_dir / case["model"], "-o", tmp_path / "out", "--verify"]
    if "calib" in case:
        args += ["--calib", out_dir / case["calib"]]
    proc = convc(*args)
    assert "Traceback" not in proc.stderr, proc.stderr
    if case["expect"] == "ok":
        assert proc.returncode == 0, proc.stderr
        assert "integer_exact=True" in proc.stdout, proc.stdout
    else:
        assert_one_line_error(proc, case["needle"])
