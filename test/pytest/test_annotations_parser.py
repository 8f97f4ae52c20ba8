"""The annotation language (convc/annotations/grammar.lark, parser.py): statements,
selectors, first-match-wins, error messages with file:line:col, and robustness against
arbitrary input (every failure is an AnnotationError, never a crash)."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convc.annotations.parser import AnnotationError, Annotations, Layer, load, parse

PATH = "gray/box.cva"


def one(statement: str):
    """The single rule of a file holding `statement` on line 2."""
    ann = parse(f"version 1\n{statement}\n", PATH)
    assert len(ann.rules) == 1, ann.rules
    return ann.rules[0]


def sel(selector: str):
    return one(f"place {selector} on core 0").selector


def error_of(text: str, path: str = "f.cva") -> str:
    with pytest.raises(AnnotationError) as info:
        parse(text, path)
    return str(info.value)


CONV3 = Layer(node="/features/features.4/body/body.0/Conv", op_type="Conv", kind="imc.conv2d",
              channels=32, kernel=(3, 3), stride=1, id=3)
SHORT = Layer(node="/features/features.5/short/short.0/Conv", op_type="Conv", kind="imc.conv2d",
              channels=32, kernel=(1, 1), stride=2, id=8)
DW = Layer(node="/features/features.3/body/body.3/Conv", op_type="Conv", kind="dpu.dwconv2d",
           channels=24, kernel=(3, 3), stride=2, id=5)
ADD = Layer(node="/features/features.4/Add", op_type="Add", kind="dpu.add", channels=16, id=4)
FC = Layer(node="/fc/Gemm", op_type="Gemm", kind="imc.matmul", channels=10, id=16)
VIEW = Layer(node="/fc/Gemm", op_type="", kind="dpu.reshape", channels=64)  # no id yet, unknown type
LAYERS = [CONV3, SHORT, DW, ADD, FC, VIEW]


def matching(selector: str) -> list[Layer]:
    s = sel(selector)
    return [layer for layer in LAYERS if s.matches(layer)]


# --------------------------------------------------------------------------------------------
# Statements


def test_header_and_file_level_fields():
    ann = parse("version 1\n", PATH)
    assert isinstance(ann, Annotations)
    assert (ann.path, ann.version, ann.rules) == (PATH, 1, [])


def test_header_after_comments_and_blank_lines():
    ann = parse("# a map\n\n   # indented comment\nversion 1   # trailing\n\nplace all on core 1\n", PATH)
    assert ann.version == 1
    assert [(r.kind, r.line, r.column) for r in ann.rules] == [("place", 6, 1)]


@pytest.mark.parametrize("statement, values", [
    ("place all on imc core 2", {"engine": "imc", "core": 2}),
    ("place all on dpu core 0", {"engine": "dpu", "core": 0}),
    ("place all on dpu", {"engine": "dpu"}),
    ("place all on core 3", {"core": 3}),
])
def test_place(statement, values):
    rule = one(statement)
    assert rule.kind == "place"
    assert dict(rule.values) == values
    assert rule.value("core") == values.get("core") and rule.value("engine") == values.get("engine")
    assert rule.selector.atoms == (("all", True),)
    assert (rule.path, rule.line, rule.column) == (PATH, 2, 1)
    assert rule.where == f"{PATH}:2:1"


@pytest.mark.parametrize("parts, values", [
    ("weights int4", {"weights": "int4"}),
    ("activations int8", {"activations": "int8"}),
    ("weights ternary activations int8", {"weights": "ternary", "activations": "int8"}),
    ("activations int2 weights binary", {"weights": "binary", "activations": "int2"}),
])
def test_precision(parts, values):
    rule = one(f"precision op Conv {parts}")
    assert rule.kind == "precision"
    assert dict(rule.values) == values
    assert rule.selector.atoms == (("optype", "Conv"),)


def test_tile():
    rule = one('tile "/fc/Gemm" and kind imc.matmul rows 64 cols 10')
    assert rule.kind == "tile"
    assert dict(rule.values) == {"rows": 64, "cols": 10, "pack": 1}
    assert dict(one('tile "conv" rows 27 cols 16 pack 8').values) == {"rows": 27, "cols": 16, "pack": 8}
    with pytest.raises(AnnotationError, match="pack needs at least 1 vector per MVM, got 0"):
        one('tile "conv" rows 27 cols 16 pack 0')
    assert rule.selector.atoms == (("name", "/fc/Gemm"), ("kind", "imc.matmul"))
    assert rule.selector.text == '"/fc/Gemm" and kind imc.matmul'


def test_latency_end_to_end_and_per_layer():
    ann = parse("version 1\nconstraint latency <= 10000 cycles\n"
                "  constraint latency /.*Gemm/ <= 1.5e3 cycles\n", PATH)
    total, layer = ann.rules
    assert (total.kind, total.selector, dict(total.values)) == ("latency", None, {"cycles": 10000.0})
    assert (total.line, total.column) == (2, 1)
    assert (layer.kind, dict(layer.values)) == ("latency", {"cycles": 1500.0})
    assert layer.selector.atoms == (("regex", ".*Gemm"),)
    assert (layer.line, layer.column) == (3, 3)  # the column of `constraint`, not of `latency`


@pytest.mark.parametrize("size, nbytes", [
    ("512 B", 512), ("64 KiB", 64 * 1024), ("64KiB", 64 * 1024), ("1.5 KiB", 1536),
    ("2 MiB", 2 << 20), ("1 GiB", 1 << 30), ("0 B", 0),
])
def test_memory_sizes(size, nbytes):
    rule = one(f"constraint memory l2 <= {size}")
    assert rule.kind == "memory" and rule.selector is None
    assert dict(rule.values) == {"level": "l2", "bytes": nbytes}


@pytest.mark.parametrize("level", ["l1", "l2", "dram"])
def test_memory_levels(level):
    assert one(f"constraint memory {level} <= 1 KiB").value("level") == level


def test_never_in_dram():
    rule = one("constraint never_in_dram op Conv and where stride == 2")
    assert rule.kind == "never_in_dram" and rule.values == ()
    assert rule.selector.atoms == (("optype", "Conv"), ("stride", 2))
    assert (rule.line, rule.column) == (2, 1)


def test_never_leaves_core():
    rule = one("constraint never_leaves_core 2 kind dpu.add")
    assert rule.kind == "never_leaves_core"
    assert dict(rule.values) == {"core": 2}
    assert rule.selector.atoms == (("kind", "dpu.add"),)


def test_max_error():
    rule = one("constraint max_error <= 0.05")
    assert (rule.kind, rule.selector, dict(rule.values)) == ("max_error", None, {"bound": 0.05})


@pytest.mark.parametrize("text, low, high", [
    ("[0, 1]", 0.0, 1.0), ("[-1.5, 2.5]", -1.5, 2.5), ("[-1e-3,1e2]", -0.001, 100.0),
])
def test_input_range(text, low, high):
    rule = one(f'opportunity input_range "x" {text}')
    assert (rule.kind, rule.selector) == ("input_range", None)
    assert dict(rule.values) == {"input": "x", "low": low, "high": high}
    assert (rule.line, rule.column) == (2, 1)


def test_reduced_precision():
    rule = one("\topportunity reduced_precision kind imc.conv2d")
    assert rule.kind == "reduced_precision" and rule.values == ()
    assert rule.selector.atoms == (("kind", "imc.conv2d"),)
    assert (rule.line, rule.column) == (2, 2)


def test_sparsity():
    rule = one("opportunity sparsity op Gemm")
    assert rule.kind == "sparsity" and rule.values == () and rule.selector.atoms == (("optype", "Gemm"),)


def test_replicate_and_parallelism():
    rule = one('replicate "/0/Conv" and kind imc.conv2d cores 3')
    assert rule.kind == "replicate" and rule.value("cores") == 3
    rule = one("opportunity parallelism where kernel == 3x3")
    assert rule.kind == "parallelism" and rule.values == () and rule.selector.atoms == (("kernel", (3, 3)),)
    with pytest.raises(AnnotationError, match=r"f.cva:2:1: replicate needs at least 1 core, got 0"):
        parse("version 1\nreplicate all cores 0\n", "f.cva")


def test_resident():
    rule = one('resident "/fc/Gemm" and kind imc.matmul')
    assert rule.kind == "resident" and rule.values == ()
    assert rule.selector.atoms == (("name", "/fc/Gemm"), ("kind", "imc.matmul"))


@pytest.mark.parametrize("statement, fuse", [("fuse all", True), ("no_fuse op Conv", False)])
def test_fuse_and_no_fuse_are_one_kind(statement, fuse):
    rule = one(statement)
    assert rule.kind == "fuse" and rule.value("fuse") is fuse


def test_every_kind_in_one_file_keeps_order_lines_and_columns():
    text = """version 1
# every statement kind
place "/0/Conv" on imc core 1
precision op Conv weights int8
tile kind imc.conv2d rows 9 cols 16

constraint latency <= 5000 cycles   # end to end
constraint memory l1 <= 64 KiB
constraint never_in_dram op Conv
constraint never_leaves_core 1 layer 2
constraint max_error <= 0.1
    opportunity input_range "x" [0, 1]
opportunity reduced_precision all
"""
    ann = parse(text, PATH)
    got = [(r.kind, r.line, r.column) for r in ann.rules]
    assert got == [("place", 3, 1), ("precision", 4, 1), ("tile", 5, 1), ("latency", 7, 1), ("memory", 8, 1),
                   ("never_in_dram", 9, 1), ("never_leaves_core", 10, 1), ("max_error", 11, 1),
                   ("input_range", 12, 5), ("reduced_precision", 13, 1)]
    assert [r.kind for r in ann.of_kind("place")] == ["place"]
    assert ann.of_kind("tile")[0].value("rows") == 9
    assert ann.of_kind("max_error")[0].value("bound") == 0.1


def test_crlf_and_missing_final_newline():
    ann = parse("version 1\r\nplace all on core 1\r\ntile all rows 4 cols 4", PATH)
    assert [(r.kind, r.line) for r in ann.rules] == [("place", 2), ("tile", 3)]


def test_selector_text_is_whitespace_normalised():
    s = sel('"/fc/Gemm"    and\tkind   imc.matmul')
    assert s.text == '"/fc/Gemm" and kind imc.matmul'


def test_string_escapes():
    assert sel(r'"a\"b"').atoms == (("name", 'a"b'),)
    assert sel(r'"back\\slash"').atoms == (("name", "back\\slash"),)


# --------------------------------------------------------------------------------------------
# Selectors


def test_exact_name():
    assert matching('"/fc/Gemm"') == [FC, VIEW]
    assert matching('"/fc/gemm"') == []  # case-sensitive
    assert matching('"/fc"') == []  # not a prefix match
    assert matching('"Gemm"') == []  # not a substring match


def test_regex_is_a_fullmatch():
    assert matching("/.*Conv/") == [CONV3, SHORT, DW]
    assert matching("/Conv/") == []  # fullmatch, not search
    assert matching(r"/\/features\/features\.[45]\/.*/") == [CONV3, SHORT, ADD]
    assert matching("/.*short.*|.*Add/") == [SHORT, ADD]
    assert sel(r"/\/fc\/Gemm/").atoms == (("regex", r"\/fc\/Gemm"),)


def test_op_type():
    assert matching("op Conv") == [CONV3, SHORT, DW]
    assert matching("op Gemm") == [FC]  # the view has no ONNX type
    assert matching("op conv") == []
    assert matching("op ConvTranspose") == []


def test_dialect_kind():
    assert matching("kind imc.conv2d") == [CONV3, SHORT]
    assert matching("kind dpu.dwconv2d") == [DW]
    assert matching("kind dpu.reshape") == [VIEW]
    assert matching("kind imc.matmul") == [FC]
    assert matching("kind dpu.conv2d") == []


def test_channels_multiple():
    assert matching("where channels % 16 == 0") == [CONV3, SHORT, ADD, VIEW]
    assert matching("where channels % 5 == 0") == [FC]
    assert matching("where channels % 1 == 0") == LAYERS
    with pytest.raises(AnnotationError, match=r"channels % 0 is undefined"):
        sel("where channels % 0 == 0")


def test_kernel():
    assert matching("where kernel == 3x3") == [CONV3, DW]
    assert matching("where kernel == 1x1") == [SHORT]
    assert matching("where kernel == 3x1") == []
    assert sel("where kernel == 3x1").atoms == (("kernel", (3, 1)),)
    tall = Layer(node="t", op_type="Conv", kind="imc.conv2d", channels=8, kernel=(3, 1))
    assert sel("where kernel == 3x1").matches(tall) and not sel("where kernel == 1x3").matches(tall)


def test_stride():
    assert matching("where stride == 2") == [SHORT, DW]
    assert matching("where stride == 1") == [CONV3]
    assert matching("where stride == 3") == []


def test_layer_id():
    assert matching("layer 3") == [CONV3]
    assert matching("layer 16") == [FC]
    assert matching("layer 99") == []


def test_all():
    assert matching("all") == LAYERS


def test_and_requires_every_atom():
    assert matching("op Conv and where kernel == 1x1") == [SHORT]
    assert matching("op Conv and kind imc.conv2d and where stride == 1") == [CONV3]
    assert matching('"/fc/Gemm" and kind imc.matmul') == [FC]
    assert matching("kind dpu.add and op Conv") == []
    assert matching("all and layer 4") == [ADD]
    assert matching("/.*Conv/ and where channels % 8 == 0 and where stride == 2") == [SHORT, DW]


# --------------------------------------------------------------------------------------------
# First match wins


def test_first_match_wins_per_kind():
    ann = parse("""version 1
place op Conv on core 1
place "/features/features.4/body/body.0/Conv" on core 2
place all on core 3
tile all rows 8 cols 8
tile op Conv rows 4 cols 4
constraint latency <= 100 cycles
""", PATH)
    assert ann.first("place", CONV3).line == 2  # the earlier, broader rule wins
    assert ann.first("place", CONV3).value("core") == 1
    assert ann.first("place", ADD).line == 4
    assert ann.first("tile", CONV3).line == 5  # kinds are independent
    assert ann.first("precision", CONV3) is None
    assert ann.first("latency", ADD).line == 7  # no selector: applies to everything
    assert [r.line for r in ann.of_kind("place")] == [2, 3, 4]


def test_no_rule_of_a_kind_matches():
    ann = parse('version 1\nplace "nothing" on core 1\n', PATH)
    assert all(ann.first("place", layer) is None for layer in LAYERS)


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("text, message", [
    ("", "f.cva:1:1: unexpected end of file, expected version"),
    ("place all on core 1\n", "f.cva:1:1: unexpected 'place', expected version"),
    ("version\n", "f.cva:1:8: unexpected end of line, expected integer"),
    ("version 1 place all on core 1\n", "f.cva:1:11: unexpected 'place', expected end of line"),
    ("version 1\nplace all on core\n", "f.cva:2:18: unexpected end of line, expected integer"),
    ("version 1\n\nprecision op Conv weights int3\n",
     "f.cva:3:27: unexpected 'int3', expected int8/int4/int2/ternary/binary"),
    ("version 1\ntile op Conv rows 4\n", "f.cva:2:20: unexpected end of line, expected cols"),
    ("version 1\nconstraint memory l3 <= 5 KiB\n", "f.cva:2:19: unexpected 'l3', expected l1/l2/dram"),
    ("version 1\nconstraint latency <= 5 cycle\n", "f.cva:2:25: unexpected 'cycle', expected cycles"),
    ("version 1\nplace @ on core 1\n",
     "f.cva:2:7: unexpected '@', expected \"node name\", /regex/, all, layer, op, where"),
    ("version 1\nplace where kernel == 3 on core 1\n",
     "f.cva:2:23: unexpected '3', expected kernel (e.g. 3x3)"),
    ("version 1\nversion 1\n",
     "f.cva:2:1: unexpected 'version', expected cgra, constraint, end of file, fuse, no_fuse, objective, opportunity, place, precision, replicate, resident, tile"),
])
def test_syntax_error_messages(text, message):
    assert error_of(text) == message


def test_syntax_error_after_comments_counts_lines():
    msg = error_of("# header comment\nversion 1\n\n# a comment\n  place all on core x\n")
    assert msg.startswith("f.cva:5:21: unexpected 'x', expected integer"), msg


def test_error_without_final_newline():
    assert error_of("version 1\nplace all on").startswith("f.cva:2:13: unexpected end of line")


@pytest.mark.parametrize("text, where, version", [("version 2\n", "1:1", 2), ("# v0\n\nversion 0\n", "3:1", 0)])
def test_unsupported_version(text, where, version):
    assert error_of(text) == (f"f.cva:{where}: annotation version {version} is not supported "
                              f"(this convc reads version 1)")


def test_bad_regex():
    msg = error_of("version 1\nplace all on core 1\nplace /(/ on core 1\n")
    assert msg.startswith("f.cva:3:7: bad regular expression /(/: "), msg


@pytest.mark.parametrize("interval", ["[1, 1]", "[2, -2]", "[0.5, 0.25]"])
def test_input_range_needs_low_below_high(interval):
    msg = error_of(f'version 1\nopportunity input_range "x" {interval}\n')
    assert msg.startswith("f.cva:2:13: input_range needs low < high"), msg


def test_load_reads_files(tmp_path):
    path = tmp_path / "map.cva"
    path.write_text("version 1\nplace all on core 1\n")
    ann = load(path)
    assert ann.path == str(path) and ann.rules[0].where == f"{path}:2:1"


@pytest.mark.parametrize("content", [None, b"version 1\nplace \xff\xfe on core 1\n"])
def test_load_unreadable(tmp_path, content):
    path = tmp_path / "map.cva"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AnnotationError, match=re.escape(f"{path}: cannot read annotation file")):
        load(path)


# --------------------------------------------------------------------------------------------
# Regression tests for bugs found by these tests (fixed)


@pytest.mark.parametrize("escape", [r"\x", r"\u12", r"\N"])
def test_bad_string_escape_is_an_annotation_error(escape):
    msg = error_of(f'version 1\nplace "{escape}" on core 1\n')
    assert msg.startswith("f.cva:2:7: ")


def test_non_ascii_name():
    assert sel('"conv_é"').atoms == (("name", "conv_é"),)


def test_regex_repeat_too_large_is_an_annotation_error():
    assert error_of("version 1\nplace /a{99999999999}/ on core 1\n").startswith("f.cva:2:7: bad regular expression")


def test_huge_memory_size_does_not_crash():
    try:
        rule = one("constraint memory l2 <= " + "9" * 400 + " B")
    except AnnotationError:
        return
    assert rule.value("bytes") == int("9" * 400)


def test_size_unit_on_the_next_line_is_rejected():
    assert error_of("version 1\nconstraint memory l1 <= 64\nKiB\n").startswith("f.cva:2:")


def test_unknown_statement_does_not_suggest_version():
    msg = error_of("version 1\nplace all on core 1\nfoo\n")
    assert msg.startswith("f.cva:3:1: unexpected 'foo', expected ")
    assert "version" not in msg.split("expected ", 1)[1]


# --------------------------------------------------------------------------------------------
# Robustness: parse() either succeeds or raises AnnotationError with path:line:col


VALID = """version 1
# a complete map
place "/features/features.0/Conv" and kind imc.conv2d on imc core 3
place op Conv and where kernel == 1x1 on imc core 2
place kind dpu.add on dpu
place /.*Gemm/ and layer 16 on core 1
precision op Conv and where channels % 16 == 0 weights int8 activations int8
tile "/fc/Gemm" and kind imc.matmul rows 64 cols 10
tile where stride == 2 rows 128 cols 32
constraint latency <= 30000 cycles
constraint latency "/fc/Gemm" <= 2000 cycles
constraint memory l2 <= 256 KiB
constraint never_in_dram op Conv
constraint never_leaves_core 1 all
constraint max_error <= 0.1
opportunity input_range "x" [-1.5, 2e0]
opportunity reduced_precision op Conv
replicate "/features/features.0/Conv" cores 4
opportunity parallelism kind imc.conv2d
"""

TOKENS = ["version", "1", "0", "-3", "2.5", "1e3", "1e999", "place", "precision", "tile", "constraint",
          "opportunity", "on", "imc", "dpu", "core", "weights", "activations", "int8", "int4", "ternary",
          "rows", "cols", "latency", "memory", "never_in_dram", "never_leaves_core", "max_error",
          "input_range", "reduced_precision", "sparsity", "parallelism", "replicate", "cores", "resident", "fuse", "no_fuse", "cycles", "l1", "l2", "dram", "64 KiB", "1.5 MiB", "B",
          "all", "and", "op", "Conv", "kind", "imc.conv2d", "dpu.add", "layer", "where", "channels", "%",
          "==", "kernel", "3x3", "stride", "<=", "[", "]", ",", '"', '"x"', '"/fc/Gemm"', "/", "/.*/",
          "/(/", "/[/", "\\", "#", " ", "\t", "\n", "\r\n", "\r"]

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def check_outcome(text: str, path: str = "fuzz/map.cva") -> None:
    try:
        ann = parse(text, path)
    except AnnotationError as exc:
        msg = str(exc)
        m = re.match(re.escape(path) + r":(\d+):(\d+): \S", msg)
        assert m, msg
        line, col = int(m.group(1)), int(m.group(2))
        assert 1 <= line <= text.count("\n") + 2 and col >= 1, msg
        return
    assert ann.version == 1 and ann.path == path
    for rule in ann.rules:
        assert rule.where == f"{path}:{rule.line}:{rule.column}"
        assert 1 <= rule.line <= text.count("\n") + 1 and rule.column >= 1


@st.composite
def mutated(draw):
    lines = VALID.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 2))):  # line-level edits
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["dup", "swap", "drop"]))
        if op == "dup":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif len(lines) > 1:
            del lines[i]
    text = "".join(lines)
    for _ in range(draw(st.integers(1, 4))):  # character and token edits
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert_char", "insert_token", "delete", "replace_char", "replace_token"]))
        piece = (draw(st.sampled_from(TOKENS)) if op.endswith("token")
                 else draw(st.characters(codec="utf-8")) if op != "delete" else "")
        cut = draw(st.integers(1, 6)) if op in ("delete", "replace_char", "replace_token") else 0
        text = text[:pos] + piece + text[pos + cut:]
    return text


def test_valid_file_parses():
    ann = parse(VALID, "fuzz/map.cva")
    assert len(ann.rules) == 17
    check_outcome(VALID)


@SETTINGS
@given(st.text(max_size=200))
def test_random_text_parses_or_annotation_error(text):
    check_outcome(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join))
def test_random_token_soup_parses_or_annotation_error(text):
    check_outcome("version 1\n" + text)


@SETTINGS
@given(mutated())
def test_mutated_file_parses_or_annotation_error(text):
    check_outcome(text)


# The same property on valid files where one string, regex or size is replaced by an ingredient of
# the known crashes above (bad escapes, an oversized regex repeat, a huge size), then lines are
# swapped: it fails until those bugs are fixed.
NASTY = {'"/fc/Gemm"': ['"\\x"', '"a\\N"', '"\\u12"'], "/.*Gemm/": ["/a{99999999999}/"],
         "256 KiB": ["9" * 400 + " KiB"]}


@st.composite
def nasty_mutated(draw):
    valid = draw(st.sampled_from(sorted(NASTY)))
    text = VALID.replace(valid, draw(st.sampled_from(NASTY[valid])), 1)
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 2))):
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


@SETTINGS
@given(nasty_mutated())
def test_mutated_file_with_nasty_tokens_parses_or_annotation_error(text):
    check_outcome(text)
