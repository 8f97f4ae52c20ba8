"""The runtime's two user-facing errors, in a module of their own so that the codec, the target
parser and the units can all raise them without importing one another."""


class StreamError(Exception):
    """A stream that is corrupt, malformed, or invalid for its target. One-line message."""


class TargetError(Exception):
    """The target file is missing, unparsable, or lacks/mistypes a key. One-line message."""
