"""convc.runtime: the command-stream codec and the bit-exact reference runtime.

The compiler builds streams with `StreamBuilder` (or `Stream`/`Command` directly) and encodes
them with `Stream.encode()`; `Program.load(out_dir).run(...)` executes a compiled program.
Engine kinds are units (`convc.runtime.units`): a registry of opcodes with their checks,
prices and execution. Only the standard library and numpy are used here.
"""
from .builder import StreamBuilder, requant_params
from .executor import Counters, execute
from .host import InputError, Program, RunResult
from .memory import Memory
from .stream import (ACCUMULATE, COUNT_INCLUDE_PAD, FIELDS, RESIZE_BILINEAR, SIGNED, Command, DataSegment,
                     IOTensor, Op, Opcode, Stream, StreamError, make_meta)
from .target import CoreGroup, Target, TargetError, load_target
from .validate import Plan, Step, price_queue, validate

__all__ = [
    "ACCUMULATE", "COUNT_INCLUDE_PAD", "FIELDS", "RESIZE_BILINEAR", "SIGNED", "Command", "CoreGroup", "Counters",
    "DataSegment", "IOTensor", "InputError", "Memory", "Op", "Opcode", "Plan", "Program",
    "RunResult", "Step", "Stream", "StreamBuilder", "StreamError", "Target", "TargetError",
    "execute", "load_target", "make_meta", "price_queue", "requant_params", "validate",
]
