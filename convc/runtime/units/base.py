"""What an engine kind implements to join the runtime: its opcodes and one `Unit` object.

A unit owns everything the runtime knows about its commands: their word layouts (`Opcode`),
the `[cores.engines.<kind>]` table of a target file (`parse_spec`), field sanity checks, the
byte ranges each command touches, its price, the static state the validator tracks per core
(for example the shape of the matrix an IMC array holds) and the execution. The codec, the
validator, the executor and the text dump only ask the registered units (units/__init__.py),
so adding an engine kind is one module plus one `register` call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # annotations only: these modules import the registry themselves
    from ..geometry import Access
    from ..memory import BatchMemory, Memory
    from ..target import Target


@dataclass(frozen=True, eq=False)
class Opcode:
    """One command kind. Identity is the object: the registry holds exactly one per code, so
    `cmd.op is IMC_MVM` works like the enum members it replaces (`.name`, `int(op)`)."""
    code: int  # the stream's u8 opcode
    name: str  # as in the docs and the text dump, e.g. "IMC_MVM"
    fields: tuple[str, ...]  # payload words in stream order
    signed: frozenset[str]  # fields encoded as i32 (the others are u32)
    flag_names: Mapping[int, str]  # flag bit -> suffix in the dump ("acc": IMC_MVM.acc)
    unit: str  # kind of the unit that executes it ("core", "imc", "dpu", "host", ...)
    since_minor: int = 0  # format 1.x that introduced it: an older stream cannot contain it
    flag_mask: int = field(init=False)

    def __post_init__(self):
        if not 0 <= self.code <= 0xFF:
            raise ValueError(f"opcode {self.name}: code {self.code:#x} is not a u8")
        if not self.signed <= set(self.fields) or len(set(self.fields)) != len(self.fields):
            raise ValueError(f"opcode {self.name}: bad field list {self.fields}")
        object.__setattr__(self, "flag_names", MappingProxyType(dict(self.flag_names)))
        object.__setattr__(self, "flag_mask", sum(self.flag_names))

    @classmethod
    def from_layout(cls, code: int, name: str, layout: str, unit: str,
                    flag_names: Mapping[int, str] | None = None, since_minor: int = 0) -> Opcode:
        """`layout` is the doc's word list, "(i32)" marking a signed word:
        "in_addr n in_zp(i32)"."""
        words = layout.split()
        return cls(code, name, tuple(w.removesuffix("(i32)") for w in words),
                   frozenset(w.removesuffix("(i32)") for w in words if w.endswith("(i32)")),
                   flag_names or {}, unit, since_minor)

    def __index__(self) -> int:
        return self.code

    __int__ = __index__

    @property
    def value(self) -> int:  # what IntEnum members offered
        return self.code

    def __repr__(self) -> str:
        return f"Op.{self.name}"

    # Copies must stay the registered object, or `is` comparisons would break.
    def __copy__(self) -> Opcode:
        return self

    def __deepcopy__(self, memo) -> Opcode:
        return self

    def __reduce__(self):
        from . import opcode  # pickling restores the registered object by its code
        return opcode, (self.code,)


@dataclass(frozen=True)
class Measured:
    """A command's cost as executed: replaces its static cycles, MACs and own energy (the
    energy of the bytes it moves stays), plus activity counts for the counters."""
    cycles: int
    macs: int
    energy_pj: float
    activity: dict


class Unit:
    """An engine kind. Subclasses set `kind` and `opcodes` and override what applies.

    The validator calls, per command: check -> accesses -> (memory-map checks) -> price ->
    advance; `new_static(spec, core)` gives each core's validation state, which is the only
    thing a command's meaning may depend on besides its fields (it must not depend on data).
    The executor runs a batch of samples in lock step through `execute_batch` (below); by
    default that calls `execute` once per sample, on the sample's memory.Memory, with a per-core
    execution state from `new_state(spec, options)` (options: the sample's executor.RunOptions,
    e.g. analog noise; None for a plain run).
    """

    kind = "?"  # the engine key in a target file: [cores.engines.<kind>]
    opcodes: tuple[Opcode, ...] = ()
    compute = True  # compute commands may only touch the issuing core's own L1
    implicit = False  # on every core without being declared (the core unit: DMA, events)

    def parse_spec(self, table: dict, path: str) -> Any:
        """The engine's parameters from its target-file table; raise TargetError naming the
        key (`schema.Table` does both)."""
        raise NotImplementedError(f"unit {self.kind} does not say how to read its table")

    def new_static(self, spec: Any, core: int) -> Any:
        """Per-core state the validator tracks across commands (None: the unit has none)."""
        return None

    def check(self, cmd, spec: Any, state: Any, target: Target) -> str | None:
        """Why the command's fields make no sense (appended to "command i of core c (OP)"),
        or None. Runs before `accesses`, which may assume the fields are sane."""
        return None

    def accesses(self, cmd, state: Any) -> list[Access]:
        """Every byte range the command reads or writes."""
        return []

    def price(self, cmd, spec: Any, state: Any, target: Target) -> tuple[int, int, float]:
        """(cycles, MACs, energy in pJ) of the command itself; the energy of the bytes it
        moves is added from its accesses by the validator, the same way for every unit."""
        raise NotImplementedError(f"unit {self.kind} does not price {cmd.op.name}")

    def advance(self, cmd, state: Any) -> None:
        """Update the static state after the command (e.g. IMC_PROGRAM sets the shape)."""

    def new_state(self, spec: Any, options: Any = None) -> Any:
        """Per-core execution state (an IMC array's weights...); None if stateless."""
        return None

    def execute(self, cmd, memory: Memory, state: Any) -> None:
        """Run the command; raise StreamError for data-dependent faults."""
        raise NotImplementedError(f"unit {self.kind} does not execute {cmd.op.name}")

    def measured(self, cmd, state: Any) -> Measured | None:
        """The cost of the command `execute` just ran, on its data, for engines whose cost
        depends on it (a spiking engine's activity); None: the static price stands."""
        return None

    # Lock-step batches (executor.py): by default a unit runs a batch one sample at a time,
    # each sample with its own state from new_state; a unit whose commands vectorise over the
    # sample axis overrides all three with one state for the whole batch.
    def new_batch_state(self, spec: Any, options: list, cache: dict) -> Any:
        """The execution state of a batch; `options` holds each sample's run options. `cache`
        outlives the run (one dict per core and unit for all runs of a program): a unit may
        keep there what it derives from memory contents, provided it checks the contents
        still match before reusing it (IMC arrays keep their converted weight tiles)."""
        return [self.new_state(spec, o) for o in options]

    def execute_batch(self, cmd, memory: BatchMemory, state: Any) -> None:
        """Run the command on every sample of `memory` (a [B, ...] memory.BatchMemory)."""
        for i, sample_state in enumerate(state):
            self.execute(cmd, memory.sample(i), sample_state)

    def measured_batch(self, cmd, state: Any) -> list[Measured | None] | None:
        """Per sample, what `measured` gives; None: the static price stands for all."""
        got = [self.measured(cmd, s) for s in state]
        return None if all(g is None for g in got) else got

    def area_um2(self, spec: Any) -> float:
        """A silicon-area proxy of one engine of this kind (docs/explore.md): what `convc
        explore` ranks designs by; 0.0 where the kind has no model yet (the report says)."""
        return 0.0

    def track(self, cmd) -> str:
        """The timeline track a command belongs on in a trace (trace.py): "dma", "wait",
        "program: <kind>" for loading an engine (weights, configurations), "compute: <kind>"."""
        return f"compute: {self.kind}"

    def resource(self, cmd) -> str:
        """The hardware a command occupies while it runs (timing.py): commands on one resource
        of a core run one at a time, in queue order; commands on different ones overlap where
        their bytes allow. An engine is one resource: programming its array and computing
        with it take turns."""
        return self.kind

    # Synchronisation: the scheduler's only concern besides cycles. A command may mark an
    # event done, or block its core until one is.
    def signals(self, cmd) -> int | None:
        return None

    def waits_for(self, cmd) -> int | None:
        return None


class StatelessUnit(Unit):
    """A unit without execution state whose `execute` takes a BatchMemory as well as one
    sample's Memory (kernels.py, memory.copy2d): a batch runs as one call."""

    def new_batch_state(self, spec, options, cache):
        return None

    def execute_batch(self, cmd, memory, state):
        self.execute(cmd, memory, None)

    def measured_batch(self, cmd, state):
        return None
