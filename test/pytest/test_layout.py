"""The package layout promises of docs/architecture.md, checked."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "convc"


def test_runtime_imports_nothing_from_the_compiler_or_mlir():
    """The command stream is the contract: importing the runtime must not pull in compiler code."""
    code = ("import sys, convc.runtime.cli, convc.runtime.executor, convc.runtime.host; "
            "bad = sorted(m for m in sys.modules if m.startswith(('torch_mlir', 'torch', 'onnx')) or "
            "(m.startswith('convc.') and not m.startswith(('convc.runtime', 'convc.targets'))) "
            "and m != 'convc.errors'); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_every_convc_import_names_a_module_that_exists_and_no_private_helper():
    for path in PACKAGE.rglob("*.py"):
        for module, names in _imports(path):
            if not module.startswith("convc"):
                continue
            parts = module.split(".")[1:]
            target = PACKAGE.joinpath(*parts)
            assert target.with_suffix(".py").is_file() or (target / "__init__.py").is_file(), (path, module)
            assert not any(p.startswith("_") and p != "__init__" for p in parts), (path, module)
            assert not any(n.startswith("_") for n in names), (path, module, names)


def test_only_the_ir_module_imports_torch_mlir():
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if any(m.startswith("torch_mlir") for m, _ in _imports(p)))
    assert users == ["ir/mlir.py"]
