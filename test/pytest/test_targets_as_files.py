"""Targets are data: SoCs that exist only as files written here compile with no code change.

Variants of thetis (fewer cores and smaller arrays; more cores, smaller arrays and L1s) and a
heterogeneous SoC whose cores differ (IMC + DPU, DPU only, a host) compile the generated
models, verify bit-exactly against the integer reference and within the quantization error
against onnxruntime, and place every layer on a core whose engines can run it.
"""

import re

import pytest

from convc.driver.pipeline import compile_model, input_shapes, load_calibration
from convc.driver.report import layer_rows
from convc.driver.verify import verify
from convc.runtime.validate import validate
from convc.targets import resolve

THETIS = resolve("thetis").read_text()


def thetis_variant(cores: int, array: int, l1: int | None = None) -> str:
    text = THETIS.replace('name = "thetis"', f'name = "thetis_{cores}x{array}"')
    text = re.sub(r"(name = \"imc\"\ncount = )\d+", rf"\g<1>{cores}", text)
    text = re.sub(r"\nrows = 512", f"\nrows = {array}", text)
    text = re.sub(r"\ncols = 512", f"\ncols = {array}", text)
    if l1 is not None:
        text = text.replace("size = 4194304", f"size = {l1}")
    return text


def hetero(repo_root) -> str:
    return (repo_root / "test" / "lit" / "Inputs" / "hetero.toml").read_text()


def compile_and_verify(tmp_path, models_dir, name, target_text, target_name):
    path = tmp_path / f"{target_name}.toml"
    path.write_text(target_text)
    compiled = compile_model(models_dir / f"{name}.onnx", path, calib=models_dir / f"{name}.calib.npz",
                             warn=lambda message: None)
    validate(compiled.stream, compiled.target)  # never a stream its runtime rejects
    samples = load_calibration(models_dir / f"{name}.sample.npz", input_shapes(compiled.onnx_model))
    result = verify(compiled, models_dir / f"{name}.onnx", samples)
    assert result["integer_exact"] is True, result
    assert result["cosine"] >= 0.99, result
    with compiled.module.context:
        rows = layer_rows(compiled.module, compiled.target)
    return compiled, rows


@pytest.mark.parametrize("name", ["resnet_mini", "mobilenetv2_mini"])
@pytest.mark.parametrize("cores, array, l1", [(2, 256, None), (8, 128, 1 << 20)])
def test_thetis_variants(tmp_path, models_dir, name, cores, array, l1):
    compiled, rows = compile_and_verify(tmp_path, models_dir, name, thetis_variant(cores, array, l1),
                                        f"variant{cores}")
    assert compiled.target.cores == cores
    imc = [r for r in rows if r["engine"] == "imc"]
    assert imc and all(max(r["tile"]) <= array for r in imc)
    assert {r["core"] for r in rows} <= set(range(cores))


@pytest.mark.parametrize("name", ["resnet_mini", "mobilenetv2_mini", "mlp", "digits_cnn"])
def test_heterogeneous_target(tmp_path, models_dir, repo_root, name):
    compiled, rows = compile_and_verify(tmp_path, models_dir, name, hetero(repo_root), "hetero")
    imc_cores = {0, 1}
    convs = [r for r in rows if r["op"] in ("imc.conv2d", "imc.matmul")]
    assert convs and all(r["core"] in imc_cores and r["engine"] == "imc" for r in convs), \
        [(r["node"], r["core"], r["engine"]) for r in convs]
    # The DPU-only cores and the host were considered for every layer, and the report says why
    # the array won: the DPU cores cannot run a matrix product, the host can but slowly, or not
    # at all where the layer's weights do not fit its 64 KiB L1 (it has no array tiles).
    for row in convs:
        by_group = {c["group"]: c for c in row["candidates"]}
        assert set(by_group) == {"imc", "host"}
        host = by_group["host"]
        assert ("bytes of L1" in host.get("refused", "")
                or host["estimated_cycles"] > by_group["imc"]["estimated_cycles"]), host
        assert row["chosen_because"].startswith("earliest estimated finish")
    placed = [r for r in rows if "candidates" in r]  # views follow their producer
    assert all(r["engine"] in compiled.target.engines(r["core"]) for r in placed)
