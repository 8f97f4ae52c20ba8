"""The one place convc imports the MLIR Python bindings.

The upstream MLIR bindings ship inside the torch-mlir wheel (PyPI's `mlir-python-bindings` is
an empty placeholder). Every other module imports MLIR names from here, so moving to a
standalone `mlir` wheel is a change to this file only.
"""

from torch_mlir import ir, passmanager  # noqa: F401
from torch_mlir.dialects import arith, func, tosa  # noqa: F401
from torch_mlir.dialects import ext  # noqa: F401  (IRDL dialects defined in Python)
from torch_mlir.dialects import torch as torch_dialect  # noqa: F401
from torch_mlir.extras import onnx_importer  # noqa: F401

PassManager = passmanager.PassManager
