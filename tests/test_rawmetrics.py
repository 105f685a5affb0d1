"""qroi.scoring.rawmetrics.analyze must give exactly what radon.raw.analyze gives, and be the one path
that gave it.

The oracle is real radon on real text: this interpreter's standard library (the deterministic
sample of bench/rawmetrics.py; `python bench/rawmetrics.py --full` checks every file), hand-written
sources for each construct and radon quirk the fast path has to reproduce, and hypothesis mixes of
tricky lines and characters. Identity means the same seven counts, or the same exception type with
the same message. Every check also asserts the fast path served the call, since a fallback to
radon would make identity hold trivially.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import radon.raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.rawmetrics import STDLIB, default_sample, outcome, read_source, stdlib_files
from qroi.scoring import rawmetrics


def assert_identical(source: str) -> tuple[object, ...]:
    """Compare both implementations on `source`; return radon's outcome for further checks."""
    fell_back = rawmetrics.path_counts["radon"]
    expected = outcome(radon.raw.analyze, source)
    got = outcome(rawmetrics.analyze, source)
    assert got == expected, f"radon {expected} != ours {got} for {source!r:.300}"
    assert rawmetrics.path_counts["radon"] == fell_back, "the fast path fell back to radon"
    return expected


STDLIB_SAMPLE = default_sample(stdlib_files())


def test_the_stdlib_sample_covers_what_it_promises() -> None:
    """Hundreds of files, bigger ones sampled in, test/ and the lib2to3 data that does not parse."""
    relative = {path.relative_to(STDLIB).as_posix(): path for path in STDLIB_SAMPLE}
    assert len(relative) > 500
    assert any(path.stat().st_size > 32 * 1024 for path in STDLIB_SAMPLE)
    assert any(name.startswith("test/") for name in relative)
    assert "lib2to3/tests/data/py2_test_grammar.py" in relative


@pytest.mark.parametrize(
    "path", STDLIB_SAMPLE, ids=[path.relative_to(STDLIB).as_posix() for path in STDLIB_SAMPLE]
)
def test_stdlib_file(path: Path) -> None:
    assert_identical(read_source(path))


@pytest.mark.parametrize(
    "name",
    [
        "lib2to3/tests/data/py2_test_grammar.py",  # Python 2: backticks are ERRORTOKENs
        "test/test_unicode_identifiers.py",  # a non-identifier character
        "test/tokenizedata/badsyntax_3131.py",
    ],
)
def test_stdlib_files_radon_rejects(name: str) -> None:
    """Files radon raises on: the same SyntaxError, same message, found by the fast path."""
    expected = assert_identical(read_source(STDLIB / name))
    assert expected[0] == "SyntaxError"


HUGE_DICT = (
    "TABLE = {\n" + "".join(f"    'key{i}': ({i}, 'v:{i}'),  # entry {i}\n" for i in range(400)) + "}\n"
)

EDGE_CASES = {
    "empty": "",
    "one newline": "\n",
    "only blank lines": "\n\n\n",
    "whitespace-only lines": "x = 1\n    \n\t\n  \t  \ny = 2\n",
    "only comments": "# a\n# b\n\n    # indented\n",
    "no trailing newline": "def f():\n    return 1",
    "comment without trailing newline": "x = 1\n# last",
    "crlf": "def f(a):\r\n    '''Doc.\r\n\r\n    More.\r\n    '''\r\n    return a  # c\r\n",
    "lone cr": "x = 1\ry = [\r1,\r2]\r",
    "tabs": "if x:\n\tif y:\n\t\treturn (1,\n\t\t\t2)\n",
    "form feed": "x = 1\n\x0c\ndef f():\n    pass\n\x0cy = 2\n",
    "form feed inside a string": "s = '''a\x0cb'''\n",
    "vertical tab and separators": "x = 1\x0by = 2\x1cz = 3\x85w\u2028v\n",
    "backslash continuation": "x = 1 + \\\n    2\nif a and \\\n   b:\n    pass\n",
    "backslash then blank then code": "x = \\\n\ny = 2\nz = 3\n",
    "backslash then two blanks": "x = \\\n\n\ny = 2\n",
    "backslash then comment at the end": "x = \\\n# c",
    "backslash at the very end": "x = 1 + \\",
    "backslash then blank at the end": "x = \\\n\n",
    "string continued by backslash": "s = 'abc\\\ndef'\nt = 1\n",
    "docstrings": 'def f():\n    """One line."""\n\n\ndef g():\n    """Many\n\n    lines.\n    """\n',
    "multi-line string as an expression": 'x = """a\nb"""\n"""\nc\n""".strip()\n',
    "nested multi-line strings": "s = '''outer \"\"\"inner\n\"\"\" still outer'''\nt = \"\"\"a\n'''b'''\n\"\"\"\n",
    "prefixed strings": "r'\\d'\nb'x'\nrb'''a\nb'''\nf'{x}'\nFR\"{y}\"\nu'z'\nur'no'\n",
    "f-strings": "name = 'x'\ns = f'{name!r:>10} {{literal}} {name.upper()}'\nt = f'''{\nname}'''\n",
    "escaped quotes": "a = 'it\\'s'\nb = \"say \\\"hi\\\"\"\nc = '\\\\'\nd = ''\ne = \"\"\n",
    "empty strings next to quotes": "a = '' 'x'\nb = \"\"\"\"\"\"\nc = ''''''\n",
    "strings after code": "x = 1; 'not a docstring'\nprint('a:b', \"c#d\")  # e\n",
    "string alone with a comment": "'doc'  # comment\n",
    "if with inline return and comment": "if x: return 0  # c\nelse: return 1\n",
    "colon forms": "d = {'a': 1}\nx[1:2]\nlambda: 0\nf(y := 3)\nclass A(B): pass\ndef f() -> int: ...\n",
    "semicolons": "a = 1; b = 2\nif x: y; z\nlambda: 0; w\n;\nx;;y\nif a: b;\n",
    "colon then walrus across lines": "f(a[1:],\n  (y := 2))\ng(b,\n  c[1:])\n",
    "decorators": "@property\n@functools.lru_cache(maxsize=None)\ndef f(): pass\n",
    "unmatched closing bracket": "x = 1)\ny = (2\nz = 3\n",
    "open bracket at the end": "x = [1,\n2,\n",
    "unterminated triple string": "x = 1\ns = '''never closed\n\n",
    "unterminated string": "s = 'abc\nt = 1\n",
    "backtick": "x = 1\ny = `x`\nz = 2\n",
    "dollar and question mark": "a = 1\nb = $c\nc = d?\n",
    "non-breaking space inside a line": "x =\xa01\n",
    "bom": "\ufeffx = 1\n",
    "nul byte": "x = 1\n\x00\n",
    "exclamation": "x != y\nnot x ! y\n",
    "python 2 print": "print 'hello'\nprint >>sys.stderr, 'x'\nexec 'code'\n",
    "numbers and names glued": "x = 1if y else 2\nz = 0xfor\nw = 1_000j\n",
    "unicode identifiers": "ñame = 'é'\nπ = 3.14\n",
    "huge dict literal": HUGE_DICT,
    "async and walrus": "async def f():\n    if (n := await g()):\n        return [i async for i in n]\n",
    "comment containing quotes": '# don\'t """ stop\nx = 1  # it\'s\n',
    "triple string closing with code after it": 'x = f("""\na""", 1)\n"""b\n""" + c\n',
}


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_case(source: str) -> None:
    assert_identical(source)


def test_radon_quirks_are_reproduced() -> None:
    """Quirks the fast path reproduces on purpose; radon's own numbers prove each one."""
    # A backslash, a blank line, then code: radon tokenizes the three lines as one statement.
    assert assert_identical("x = \\\n\ny\n")[1] == 1
    # A ':' followed by more tokens counts two logical lines, a dict literal included.
    assert assert_identical("d = {'a': 1}\n")[1] == 2
    # Before a ';' radon tests the second-to-last token, so `lambda: 0` counts one logical line
    # there and two at the end of the statement.
    assert assert_identical("lambda: 0; x\n")[1] == 2
    assert assert_identical("x; lambda: 0\n")[1] == 3
    # A one-line string alone counts as a single comment, not as code.
    assert assert_identical("'''doc'''\n")[6] == 1
    # A string after a backslash continuation: one single comment for two lines.
    assert assert_identical("\\\n'doc'\n")[0] == 1


def test_fallback_when_the_interpreter_is_not_the_one_proven(monkeypatch: pytest.MonkeyPatch) -> None:
    """On another tokenizer (Python 3.12+) the answer comes from radon itself, flagged as such."""
    monkeypatch.setattr(rawmetrics, "_FAST_PATH_SUPPORTED", False)
    source = EDGE_CASES["docstrings"]
    module, fast = rawmetrics.analyze_with_path(source)
    assert not fast
    assert module == radon.raw.analyze(source)
    with pytest.raises(SyntaxError):
        rawmetrics.analyze(EDGE_CASES["backtick"])


def test_fast_path_flag() -> None:
    module, fast = rawmetrics.analyze_with_path(EDGE_CASES["crlf"])
    assert fast
    assert module == radon.raw.analyze(EDGE_CASES["crlf"])


# Lines chosen to hit every branch: plain code, strings of every shape, continuations, brackets
# left open or closed, comments, semicolons, characters the tokenizer rejects.
TRICKY_LINES = [
    "",
    "x = 1",
    "if x: return 0  # c",
    "if x:",
    "else:",
    "def f(a,",
    "b):",
    "x = [",
    "1, 2,",
    "]",
    "}",
    ")",
    "(",
    "{",
    "'a': 1,",
    '"""',
    "'''",
    '"""doc"""',
    "'''doc'''",
    "'single'",
    '"a" "b"',
    "x = '''a",
    "b'''",
    'x = """',
    "# comment",
    "x = 1  # c",
    "a; b",
    ";",
    "lambda: 0; x",
    "x = \\",
    "\\",
    "'abc\\",
    "def'",
    "`x`",
    "$",
    "x := 1",
    "f(x:=1)",
    "d = {'a': 1}",
    "@decorator",
    "r'\\d'",
    "b''",
    'f"{x}"',
    "print 'x'",
    "x != y",
    "x ! y",
    "\xa0",
    "\x0c",
    "1if x else 2",
    '"""a"""; b',
    "#!shebang",
    "class A: pass",
    "try: 1/0",
    "x[1:2]",
    "-> int:",
    "...",
    "'''a''' + '''",
    "''",
    "'",
    '"',
    "u'x' 'y'",
    "'it\\'s'",
    '"q\\""',
    "' # not a comment'",
    "x = '(' + ')'",
    "x = ':'",
    "\t\t",
    "   ",
    "))",
    "((",
    "rb'''x",
    "'''.strip()",
    "else: pass; pass",
    "a = b = c",
    "*a, b = c",
]


def _join(lines: list[str], endings: list[str], indents: list[str], final_newline: bool) -> str:
    """Build a source from lines, each with its own indentation and line ending."""
    parts = []
    for index, line in enumerate(lines):
        parts.append(indents[index % len(indents)] + line)
        if index < len(lines) - 1 or final_newline:
            parts.append(endings[index % len(endings)])
    return "".join(parts)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(TRICKY_LINES), max_size=30),
    endings=st.lists(
        st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", "\x0c", "\u2028"]), min_size=1, max_size=4
    ),
    indents=st.lists(st.sampled_from(["", "    ", "\t", " \t"]), min_size=1, max_size=4),
    final_newline=st.booleans(),
)
def test_random_mixes_of_tricky_lines(
    lines: list[str], endings: list[str], indents: list[str], final_newline: bool
) -> None:
    assert_identical(_join(lines, endings, indents, final_newline))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab1 \t\n\r\\'\"#:;()[]{}=.!$\x0crbf", max_size=80))
def test_random_characters(source: str) -> None:
    assert_identical(source)
