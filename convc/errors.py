"""User-facing errors: one line, naming the ONNX node, file or annotation that caused them.

The CLI prints `error: <message>` and exits non-zero for these; anything else is a compiler bug
and keeps its traceback.
"""


class ConvcError(Exception):
    """A problem with the user's input (model, target, options), not with convc itself."""


class FrontendError(ConvcError):
    pass


class UnsupportedOpError(ConvcError):
    pass


class TargetFitError(ConvcError):
    """A layer or tensor cannot fit the target's memories or engines."""


class PassError(ConvcError):
    """A pass found the IR in a state it cannot handle; the message names the node."""


def mlir_error_lines(exc) -> list[str]:
    """`location: message` for every error an MLIRError carries (parse, verifier, pass)."""
    diagnostics = getattr(exc, "error_diagnostics", None) or []
    lines = [f"{d.location}: {d.message}" for d in diagnostics]
    return lines or [" ".join(str(exc).split())]
