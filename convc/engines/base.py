"""What every engine kind implements (after MATCH's exec_module): one small base class.

An engine kind is a plugin of three parts: its dialect (convc/dialects/), its engine class
(here, compiler side) and its runtime unit (convc/runtime/units/), each registered with one
line. The engine class owns everything specific to its kind:

- which graph ops it lowers and how (`lowerings`: TOSA op name -> function of the lowering
  toolkit, convc/passes/lowering.py, and the TOSA op);
- which engine ops it can run on a core (`refusal`: None, or why not, checked against the
  specs of that core's engines in the target file);
- how an op is tiled for it (`tile`), its L1 working set (`l1_buffers`), its constant blobs
  (`constants`), its commands (`emit_prefetch`, `emit`), what the starter annotation file
  writes for it (`starter_lines`) and what the report says (`describe`).

Passes are generic and ask engines. There is one cost model: an op's cost on a core is the
runtime's price (convc.runtime.validate.price_queue) of the commands the engine would emit
there, with placeholder addresses in the right memory levels until the memory plan exists.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from convc.errors import TargetFitError
from convc.ir.attrs import nbytes
from convc.ir.locations import describe
from convc.ir.mlir import ir
from convc.ir.schema import CONST, OUT_ADDR, SOURCE
from convc.runtime.stream import Command, Op
from convc.runtime.timing import makespan
from convc.runtime.validate import price_queue

ALIGN = 64  # bytes; every buffer starts on a cache-line-sized boundary
# The `lowerings` key of a whole element-wise function of one tensor (passes/unary_functions.py)
# rather than of a TOSA op: the engine that takes it lowers the region as one op.
UNARY_FUNCTION = "convc.unary_function"
SOFTMAX = "convc.softmax"  # the output op of a softmax chain (passes/softmax.py)
LOG_SOFTMAX = "convc.log_softmax"  # the output op of a log-softmax chain (passes/softmax.py)
REDUCTION = "convc.reduction"  # the output op of a sum, mean or max over adjacent axes (passes/reductions.py)
ACTIVATION_MATMUL = "convc.activation_matmul"  # a tosa.matmul of two activations (attention)
LAYER_NORM = "convc.layer_norm"  # the output op of a layer normalisation (passes/layer_norm.py)


@contextmanager
def _restored_attributes(op):
    """Run a block that may set attributes on `op`, then put its attributes back as they were."""
    attrs = op.operation.attributes
    saved = {attrs[i].name: attrs[i].attr for i in range(len(attrs))}
    try:
        yield
    finally:
        for name in [attrs[i].name for i in range(len(attrs)) if attrs[i].name not in saved]:
            del attrs[name]
        for name, value in saved.items():
            attrs[name] = value


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def l1_bytes(buffers) -> int:
    """Bytes an L1 working set [(name, size)] takes, each buffer aligned."""
    return sum(align(size) for _, size in buffers)


def rows_read(out_rows: int, stride: int, kernel: int, dilation: int = 1) -> int:
    """Input rows the windows of `out_rows` consecutive output rows span (halo included):
    what one band of a spatially tiled windowed op must have in L1."""
    return (out_rows - 1) * stride + (kernel - 1) * dilation + 1


def l1_layout(buffers) -> dict[str, int]:
    """Offset of each buffer of an L1 working set [(name, size)] from the core's L1 base, in
    order, each aligned: where convc-plan-memory puts them, and so where pricing assumes them
    (the timing's byte-range hazards depend on which buffers share bytes)."""
    offsets, offset = {}, 0
    for name, size in buffers:
        offsets[name] = offset
        offset += align(size)
    return offsets


def constants_level(op) -> str:
    """Where the op's constants live: "l2" if a `resident` rule preloaded them on chip."""
    return "l2" if SOURCE.has(op, "resident") else "dram"


@dataclass(frozen=True)
class Cost:
    """Estimated cycles of one op on one core: the runtime's timing of its commands
    (runtime/timing.py) on a core that starts them fresh."""

    prefetch: int  # weight loading that may start before the op's inputs are ready
    body: int      # the rest, after its inputs are ready: DMA overlapping compute where it can
    dma: int       # DMA cycles within the body (some of them hidden under compute)

    @property
    def total(self) -> int:
        return self.prefetch + self.body


class Emitter:
    """What an engine sees while emitting one op: addresses and its core's command queue.

    The stream emitter (convc/driver/emit.py) appends to the real queues; `PricingEmitter`
    collects the commands to price them. `state(kind)` keeps per-core emission state an engine
    needs across ops (for example the IMC array's current mode).
    """

    def __init__(self, target):
        self.target = target
        self.op = None
        self.core = 0
        self._state: dict[tuple[int, str], dict] = {}

    def bind(self, op, core: int) -> None:
        self.op, self.core = op, core

    def state(self, kind: str) -> dict:
        return self._state.setdefault((self.core, kind), {})

    def cmd(self, opcode, flags: int = 0, **fields) -> None:
        raise NotImplementedError

    def copy(self, src: int, dst: int, nbytes: int) -> None:
        self.cmd(Op.DMA, src=src, dst=dst, rows=1, row_bytes=nbytes, src_stride=nbytes, dst_stride=nbytes)

    def l1(self, name: str) -> int:
        raise NotImplementedError

    def const(self, name: str) -> int:
        raise NotImplementedError

    def addr(self, value) -> int:
        raise NotImplementedError


class PricingEmitter(Emitter):
    """Collects an op's commands for pricing. Addresses the memory plan has not decided yet are
    placeholders at the base of the right level: the core's L1 for working buffers, DRAM (or
    L2 for resident constants) for constants, DRAM for network inputs and outputs and for
    activations bigger than L2, L2 for the other activations."""

    def __init__(self, target, outputs=frozenset(), l1_offsets=None):
        super().__init__(target)
        self.commands = []
        self.outputs = outputs  # values the host reads from DRAM
        self.l1_offsets = l1_offsets or {}  # l1_layout of the op's working set

    def cmd(self, opcode, flags: int = 0, **fields) -> None:
        self.commands.append(Command.make(opcode, flags, **fields))

    def take(self) -> list:
        commands, self.commands = self.commands, []
        return commands

    def l1(self, name: str) -> int:
        return self.target.l1_base(self.core) + self.l1_offsets.get(name, 0)

    def const(self, name: str) -> int:
        if CONST.has(self.op, name):
            return CONST.get(self.op, name)
        return self.target.l2.base if constants_level(self.op) == "l2" else self.target.dram.base

    def addr(self, value) -> int:
        owner = value.owner
        if isinstance(owner, ir.Block):  # a network input
            return self.target.dram.base
        if OUT_ADDR.has(owner):
            return OUT_ADDR.get(owner)
        # A tensor bigger than L2 spills to DRAM (convc-plan-memory does the same).
        spills = nbytes(value) > self.target.l2.size
        return self.target.dram.base if value in self.outputs or spills else self.target.l2.base


class Engine:
    """An engine kind of the SoC. Subclasses set `kind` (the key of its table in the target
    file and of its runtime unit) and `ops` (the dialect ops it runs; None = any engine op)."""

    kind = "?"
    ops: tuple[str, ...] | None = ()
    lowerings: dict = {}
    replicable = False  # whether convc-replicate may copy its ops' weights onto several cores
    array_modes = False  # whether its ops run in a (weight bits, input bits) mode (`convc.in_bits`)

    def runs(self, op) -> bool:
        return self.ops is None or op.operation.name in self.ops

    def refusal(self, op, target, core: int) -> str | None:
        """Why this engine cannot run `op` on `core` (None if it can). Called only for cores
        that have this engine and for ops in `ops`."""
        return None

    def sample_axis(self, op, operand_axes: list) -> int | None:
        """Whether `op` computes the samples of a batch independently: given the axis that
        holds the samples in each operand (None for constants), the axis that holds them in
        its result, else None. convc-split-batch cuts only such ops into sub-batches."""
        return None

    def precision_problem(self, op, target) -> str | None:
        """Why no engine of this kind on the target computes `op` at its precision, or None."""
        return None

    def needs_calibration(self, op) -> bool:
        """Whether `op` chooses something on its real integer inputs (convc-calibrate-engines)."""
        return False

    def calibrate(self, op, samples: list) -> None:
        """Choose what depends on the data (an analog layer's ADC gain) from `samples`: per
        calibration input, the op's operand values as the integer reference computes them."""

    def constants(self, op) -> dict[str, bytes]:
        """Named constant blobs the op reads (weights, requant parameters...)."""
        return {}

    def constants_as_tiled(self, op, target, core: int) -> dict[str, bytes]:
        """The blobs constants() will give once convc-tile has fitted `op` to `core` (weight
        tiles depend on the tiling), for passes that budget memory before it; `op` is left
        as it was."""
        with _restored_attributes(op):
            self.tile(op, target, core, target.l1_size(core))
            return self.constants(op)

    def l1_buffers(self, op, target, core: int, m_block=None) -> list[tuple[str, int]]:
        """The op's L1 working set as (name, bytes), in layout order."""
        return []

    def tile(self, op, target, core: int, room: int, wanted=None):
        """Fit the op to this engine on `core` (array tiles, L1-sized blocks within `room`
        bytes), recording the choice on the op; raise TargetFitError if it cannot fit. `wanted`
        is a `tile` rule's (rows, cols), or the values of a statement named after the engine's
        kind (the CGRA's unit budget); returns (why, fallback) if it cannot be honoured."""
        return None

    def skip_zero_tiles(self, op) -> int | None:
        """Sparsity opportunity: skip all-zero weight tiles, returning how many (None: this
        engine has no weight tiles)."""
        return None

    def materialize(self, op) -> None:
        """After allocation: replace `op`, which this engine won, by the engine's own program
        op (convc-materialize-kernels). Engines that run ops as they are do nothing."""

    def emit_prefetch(self, op, em: Emitter) -> None:
        """Commands that only touch the op's own constants; issued before its waits."""

    def emit(self, op, em: Emitter) -> None:
        """The op's commands after its inputs are ready."""

    def cost(self, op, target, core: int, outputs=frozenset()) -> Cost:
        """The runtime's price of the commands this engine would emit for `op` on `core`.

        An op whose untiled working set exceeds the core's L1 is priced in the blocked form
        tile() gives it (convc-tile decides again on the core it gets); raises TargetFitError
        when even that does not fit."""
        room = target.l1_size(core)
        if l1_bytes(self.l1_buffers(op, target, core)) > room:
            with _restored_attributes(op):  # pricing must not leave this core's tiling on the op
                self.tile(op, target, core, room)
                need = l1_bytes(self.l1_buffers(op, target, core))
                if need > room:
                    raise TargetFitError(f"{describe(op)} needs {need} bytes of L1, but {target.name}'s L1 holds {room}")
                return self._price(op, target, core, outputs)
        return self._price(op, target, core, outputs)

    def _price(self, op, target, core, outputs) -> Cost:
        em = PricingEmitter(target, outputs, l1_layout(self.l1_buffers(op, target, core)))
        em.bind(op, core)
        self.emit_prefetch(op, em)
        n_prefetch = len(em.commands)
        self.emit(op, em)
        steps = price_queue(em.take(), target, core)  # one queue: the prefetch programs the array
        prefetch = makespan(steps[:n_prefetch])
        dma = sum(s.cycles for s in steps[n_prefetch:] if s.cmd.op is Op.DMA)
        return Cost(prefetch, makespan(steps) - prefetch, dma)

    def starter_lines(self, op, selector: str) -> list[str]:
        """Lines of the starter annotation file that pin this op's engine-specific choices."""
        return []

    def describe(self, op) -> dict:
        """Facts for the mapping report (tiles, shapes)."""
        return {}

    def report_lines(self, rows: list[dict]) -> list[str]:
        """Lines report.txt adds for this engine's layers (`rows`: their report.json rows,
        with `describe`'s facts), or none."""
        return []
