"""convc.runtime: the command-stream codec and the bit-exact reference runtime.

The compiler builds streams with `StreamBuilder` (or `Stream`/`Command` directly) and encodes
them with `Stream.encode()`; `Program.load(out_dir).run(...)` executes a compiled program.
Only the standard library and numpy are used here.
"""
from .builder import StreamBuilder, requant_params
from .executor import Counters, execute
from .host import InputError, Program, RunResult
from .memory import Memory
from .stream import (ACCUMULATE, COUNT_INCLUDE_PAD, FIELDS, SIGNED, Command, DataSegment,
                     IOTensor, Op, Stream, StreamError, make_meta)
from .target import Target, TargetError, load_target
from .validate import Plan, validate

__all__ = [
    "ACCUMULATE", "COUNT_INCLUDE_PAD", "FIELDS", "SIGNED", "Command", "Counters", "DataSegment",
    "IOTensor", "InputError", "Memory", "Op", "Plan", "Program", "RunResult", "Stream",
    "StreamBuilder", "StreamError", "Target", "TargetError", "execute", "load_target",
    "make_meta", "requant_params", "validate",
]
