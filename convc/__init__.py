"""convc: gray-box MLIR compiler for heterogeneous edge-AI SoCs."""
