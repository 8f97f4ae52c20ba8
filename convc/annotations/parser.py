"""Annotation files: an expert's constraints and opportunities for one compile.

`parse(text, path)` turns a file written in the language of grammar.lark (reference:
docs/annotations.md) into `Annotations`, a list of rules that each remember their file, line
and column. Syntax errors raise `AnnotationError` with `file:line:col` and what was expected.

A rule's selector matches layers (engine ops) by ONNX node name (exact or /regex/), ONNX op
type, dialect op kind and shape predicates; all atoms must match. For each directive kind the
first matching rule wins, as in onnx-mlir's device-placement file.
"""

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from convc.errors import ConvcError

GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text()
_PARSER = Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)
SUPPORTED_VERSIONS = (1,)
SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


class AnnotationError(ConvcError):
    """A problem in an annotation file; the message starts with file:line:col."""


@dataclass(frozen=True)
class Layer:
    """What a selector can see of one engine op."""

    node: str            # ONNX node name (the op's location)
    op_type: str         # ONNX op type of that node, or "" if unknown
    kind: str            # dialect op name, e.g. "imc.conv2d"
    channels: int        # output channels (last dimension)
    kernel: tuple | None = None
    stride: int | None = None
    id: int = -1         # program-order id (stable for one model and compiler version)


@dataclass(frozen=True)
class Selector:
    atoms: tuple  # (kind, value) pairs
    text: str

    def matches(self, layer: Layer) -> bool:
        return all(_ATOM_TESTS[kind](value, layer) for kind, value in self.atoms)


_ATOM_TESTS = {
    "name": lambda v, l: l.node == v,
    "regex": lambda v, l: re.fullmatch(v, l.node) is not None,
    "optype": lambda v, l: l.op_type == v,
    "kind": lambda v, l: l.kind == v,
    "all": lambda v, l: True,
    "layer_id": lambda v, l: l.id == v,
    "channels_multiple": lambda v, l: v > 0 and l.channels % v == 0,
    "kernel": lambda v, l: l.kernel == v,
    "stride": lambda v, l: l.stride == v,
}


@dataclass(frozen=True)
class Rule:
    kind: str             # place, precision, tile, replicate, resident, fuse, cgra, objective, latency, throughput, memory,
                          # never_in_dram, never_leaves_core, max_error, input_range,
                          # reduced_precision, sparsity, parallelism
    selector: Selector | None
    values: tuple         # kind-specific, hashable (see _Build)
    path: str
    line: int
    column: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def value(self, key, default=None):
        return dict(self.values).get(key, default)


@dataclass
class Annotations:
    path: str
    version: int
    rules: list[Rule] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    def first(self, kind: str, layer: Layer) -> Rule | None:
        """The first rule of `kind` whose selector matches `layer` (first match wins)."""
        for rule in self.of_kind(kind):
            if rule.selector is None or rule.selector.matches(layer):
                return rule
        return None


def _unquote(token, where: str) -> str:
    """A quoted name; the only escapes are \\" (a quote) and \\\\ (a backslash)."""

    def unescape(m):
        if m.group(1) not in '"\\':
            raise AnnotationError(f"{where}: unknown escape '\\{m.group(1)}' in a name (only \\\" and \\\\ are escapes)")
        return m.group(1)

    return re.sub(r"\\(.)", unescape, str(token)[1:-1])


@v_args(meta=True)
class _Build(Transformer):
    def __init__(self, path, text):
        super().__init__()
        self.path, self.text = path, text

    def _rule(self, meta, kind, selector, **values):
        return Rule(kind, selector, tuple(sorted(values.items())), self.path, meta.line, meta.column)

    # selectors
    def selector(self, meta, atoms):
        source = self.text[meta.start_pos:meta.end_pos]
        return Selector(tuple(atoms), " ".join(source.split()))

    def name(self, meta, c):
        return ("name", _unquote(c[0], f"{self.path}:{meta.line}:{meta.column}"))

    def regex(self, meta, c):
        pattern = str(c[0])[1:-1]
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as exc:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: bad regular expression /{pattern}/: {exc}")
        return ("regex", pattern)

    def optype(self, meta, c):
        return ("optype", str(c[0]))

    def kind(self, meta, c):
        return ("kind", str(c[0]))

    def all(self, meta, c):
        return ("all", True)

    def layer_id(self, meta, c):
        return ("layer_id", int(c[0]))

    def where(self, meta, c):
        return c[0]

    def channels_multiple(self, meta, c):
        if int(c[0]) == 0:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: channels % 0 is undefined; use a positive number")
        return ("channels_multiple", int(c[0]))

    def kernel(self, meta, c):
        kh, kw = str(c[0]).split("x")
        return ("kernel", (int(kh), int(kw)))

    def stride(self, meta, c):
        return ("stride", int(c[0]))

    # statements
    def header(self, meta, c):
        version = int(c[0])
        if version not in SUPPORTED_VERSIONS:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: annotation version {version} "
                                  f"is not supported (this convc reads version {SUPPORTED_VERSIONS[-1]})")
        return version

    def engine_core(self, meta, c):
        return {"engine": str(c[0]), **({"core": int(c[1])} if len(c) > 1 else {})}

    def core_only(self, meta, c):
        return {"core": int(c[0])}

    def place(self, meta, c):
        return self._rule(meta, "place", c[0], **c[1])

    def weights(self, meta, c):
        return ("weights", str(c[0]))

    def activations(self, meta, c):
        return ("activations", str(c[0]))

    def precision(self, meta, c):
        return self._rule(meta, "precision", c[0], **dict(c[1:]))

    def tile(self, meta, c):
        pack = int(c[3]) if len(c) > 3 else 1
        if pack < 1:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: pack needs at least 1 vector per MVM, got {pack}")
        return self._rule(meta, "tile", c[0], rows=int(c[1]), cols=int(c[2]), pack=pack)

    def replicate(self, meta, c):
        if int(c[1]) < 1:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: replicate needs at least 1 core, got {c[1]}")
        return self._rule(meta, "replicate", c[0], cores=int(c[1]))

    def budget_part(self, meta, c):
        return (str(c[0]), int(c[1]))

    def cgra(self, meta, c):
        parts = c[1:]
        names = [k for k, _ in parts]
        if len(set(names)) != len(names):
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: cgra budget names a unit twice")
        return self._rule(meta, "cgra", c[0], **dict(parts))

    def resident(self, meta, c):
        return self._rule(meta, "resident", c[0])

    def fuse(self, meta, c):
        return self._rule(meta, "fuse", c[0], fuse=True)

    def no_fuse(self, meta, c):
        return self._rule(meta, "fuse", c[0], fuse=False)

    def objective(self, meta, c):
        batch = int(c[1]) if len(c) > 1 else None
        if batch is not None and batch < 1:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: objective needs a batch of at least 1 "
                                  f"frame, got {batch}")
        if str(c[0]) == "latency" and batch not in (None, 1):
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: the latency objective computes one frame "
                                  f"at a time; a batch of {batch} needs 'objective throughput batch {batch}'")
        return self._rule(meta, "objective", None, objective=str(c[0]), batch=batch)

    def c_throughput(self, meta, c):
        fps = float(c[0])
        if not fps > 0:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: throughput bound must be positive, got {fps:g}")
        return self._rule(meta, "throughput", None, fps=fps)

    def constraint(self, meta, c):
        return replace(c[0], line=meta.line, column=meta.column)  # point at the statement

    def opportunity(self, meta, c):
        return replace(c[0], line=meta.line, column=meta.column)

    def c_latency(self, meta, c):
        selector = c[0] if len(c) == 2 else None
        return self._rule(meta, "latency", selector, cycles=float(c[-1]))

    def c_memory(self, meta, c):
        number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(\w+)", str(c[1])).groups()
        return self._rule(meta, "memory", None, level=str(c[0]), bytes=_size_bytes(number, unit))

    def c_never_dram(self, meta, c):
        return self._rule(meta, "never_in_dram", c[0])

    def c_stay(self, meta, c):
        return self._rule(meta, "never_leaves_core", c[1], core=int(c[0]))

    def c_error(self, meta, c):
        return self._rule(meta, "max_error", None, bound=float(c[0]))

    def o_range(self, meta, c):
        lo, hi = float(c[1]), float(c[2])
        if not lo < hi:
            raise AnnotationError(f"{self.path}:{meta.line}:{meta.column}: input_range needs low < high, got [{lo}, {hi}]")
        return self._rule(meta, "input_range", None, input=_unquote(c[0], f"{self.path}:{meta.line}:{meta.column}"),
                          low=lo, high=hi)

    def o_precision(self, meta, c):
        return self._rule(meta, "reduced_precision", c[0])

    def o_sparsity(self, meta, c):
        return self._rule(meta, "sparsity", c[0])

    def o_parallel(self, meta, c):
        return self._rule(meta, "parallelism", c[0])

    def start(self, meta, c):
        return c


def _size_bytes(number: str, unit: str) -> int:
    if "." not in number:
        return int(number) * SIZE_UNITS[unit]  # exact for any number of digits
    return int(Decimal(number) * SIZE_UNITS[unit])


def _describe_expected(expected, line: int = 1) -> str:
    names = sorted({_TOKEN_NAMES.get(e, e.strip('"').lower()) for e in expected if not e.startswith("_")})
    if line > 1:  # the header is only valid on the first statement
        names = [n for n in names if n != "version"]
    return ", ".join(names[:12]) or "end of line"


_TOKEN_NAMES = {"STRING": '"node name"', "REGEX": "/regex/", "INT": "integer", "NUMBER": "number",
                "IDENT": "ONNX op type", "KIND": "dialect op (e.g. imc.conv2d)", "ENGINE": "an engine kind (imc, dpu, host, ...)",
                "PREC": "int8/int4/int2/ternary/binary", "LEVEL": "l1/l2/dram", "SIZE": "size (e.g. 64 KiB)",
                "KERNEL": "kernel (e.g. 3x3)", "GOAL": "latency/throughput", "_NL": "end of line", "$END": "end of file"}


def parse(text: str, path: str = "<annotations>") -> Annotations:
    try:
        tree = _PARSER.parse(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        raise AnnotationError(_syntax_message(exc, text, path)) from None
    try:
        items = _Build(path, text).transform(tree)
    except VisitError as exc:  # semantic checks inside the transformer
        if isinstance(exc.orig_exc, AnnotationError):
            raise exc.orig_exc from None
        raise
    return Annotations(path, items[0], [r for r in items[1:] if isinstance(r, Rule)])


def _syntax_message(exc: UnexpectedInput, text: str, path: str) -> str:
    line, col = getattr(exc, "line", 1), getattr(exc, "column", 1)
    if isinstance(exc, UnexpectedCharacters):
        got = repr(text[exc.pos_in_stream]) if exc.pos_in_stream < len(text) else "end of file"
        return f"{path}:{line}:{col}: unexpected {got}, expected {_describe_expected(exc.allowed or [], line)}"
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        got = "end of line" if tok.type == "_NL" else ("end of file" if tok.type == "$END" else repr(str(tok)))
        if line in (None, -1):
            line, col = text.count("\n") + 1, 1
        return f"{path}:{line}:{col}: unexpected {got}, expected {_describe_expected(exc.expected, line)}"
    if isinstance(exc, UnexpectedEOF):
        return f"{path}:{text.count(chr(10)) + 1}:1: unexpected end of file, expected {_describe_expected(exc.expected)}"
    return f"{path}:{line}:{col}: syntax error"


def load(path) -> Annotations:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotationError(f"{path}: cannot read annotation file ({type(exc).__name__})") from None
    return parse(text, str(path))
