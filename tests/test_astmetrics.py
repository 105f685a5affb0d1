"""qroi.scoring.astmetrics must give exactly what Radon's ComplexityVisitor and HalsteadVisitor give, and
be the one path that gave it; the scorer must fail ("too_deep") exactly where Radon fails.

The oracle is real Radon on real trees: this interpreter's standard library (the deterministic
sample of bench/rawmetrics.py; `python bench/astmetrics.py --full` checks every file), hand-written
sources for each construct and Radon quirk, and hypothesis-built programs mixing them. Identity
means the same total complexity, the same Function blocks in the same order (name, class, first
and last line, complexity) and the same Halstead report, floats compared with ==. Every check also
asserts the fast path served the call, since a fallback to Radon would make identity trivial.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radon.metrics import h_visit_ast
from radon.visitors import ComplexityVisitor, Function

from bench.rawmetrics import STDLIB, UNPARSABLE_DIRS, default_sample, read_source, stdlib_files
from qroi.scoring import astmetrics, scorer
from qroi.scoring.astmetrics import AstMetrics
from qroi.scoring.scorer import score_blob


def radon_numbers(tree: ast.AST) -> tuple[Any, ...]:
    """Radon's visitors, read straight from their documented attributes."""
    visitor = ComplexityVisitor.from_ast(tree)
    blocks = [
        (b.name, b.classname, b.lineno, b.endline, b.complexity)
        for b in visitor.blocks
        if isinstance(b, Function)
    ]
    return visitor.total_complexity, blocks, tuple(h_visit_ast(tree).total)


def assert_identical(source: str) -> AstMetrics:
    """Compare both on `source`; return what the fast path found for further checks."""
    tree = ast.parse(source)
    expected = radon_numbers(tree)
    served = astmetrics.path_counts["fast"]
    got = astmetrics.fast_metrics(tree)
    assert got is not None and astmetrics.path_counts["fast"] == served + 1, "the fast path did not serve"
    numbers = (got.total_complexity, [tuple(block) for block in got.functions], tuple(got.halstead))
    assert numbers == expected, f"for {source!r:.300}"
    return got


STDLIB_SAMPLE = default_sample(stdlib_files())


@pytest.mark.parametrize(
    "path", STDLIB_SAMPLE, ids=[path.relative_to(STDLIB).as_posix() for path in STDLIB_SAMPLE]
)
def test_stdlib_file(path: Path) -> None:
    source = read_source(path)
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):  # only the deliberately broken test data may not parse
        assert path.relative_to(STDLIB).as_posix().startswith(UNPARSABLE_DIRS)
        return
    assert_identical(source)


EDGE_CASES = {
    "empty": "",
    "one expression": "x\n",
    "function ending with a nested def": "def f(a):\n    if a:\n        return 1\n    def g():\n        return 2\n",
    "function ending with a nested class": "def f(a):\n    x = (a,\n         a)\n    class C:\n        y = 1\n",
    "function ending with an assert": "def f(a):\n    b = [a,\n         a]\n    assert (a and\n            b), 'm'\n",
    "function ending in an if holding a def": "def f(a):\n    if a:\n        x = 1\n        def g():\n            pass\n",
    "one-line function": "def f(): return (1 if x else\n 2)\n",
    "decorators and defaults are not visited": (
        "@dec(a or b or c)\ndef f(x=a and b, *, y=c if d else e) -> (a or b):\n    return x\n"
    ),
    "class decorators and bases": (
        "@dec(a or b)\nclass C(B if x else D, metaclass=M or N):\n    def m(self):\n        return self or 1\n"
    ),
    "methods, properties and nested ifs in a class": (
        "class C:\n    x = 1 if a else 2\n    if PY3:\n        def m(self):\n            return 1\n"
        "    else:\n        def m(self):\n            return 2\n    @property\n    def p(self):\n"
        "        for i in self:\n            if i:\n                return i\n        else:\n            return None\n"
    ),
    "inner classes are dropped": (
        "class A:\n    def m(self):\n        pass\n    class B:\n        def n(self):\n"
        "            if x:\n                pass\n        z = [i for i in y if i]\n"
    ),
    "classes in functions are dropped": (
        "def f():\n    class C:\n        def m(self):\n            return a and b\n    return C\n"
    ),
    "closures count nowhere": (
        "def f(a):\n    def g(b):\n        return b if a else not b\n    async def h():\n        while a: pass\n"
        "    return g\n"
    ),
    "module-level defs inside compound statements": (
        "if x:\n    def f(): pass\nelse:\n    class C:\n        def m(self): pass\ntry:\n    def g(): pass\n"
        "except ImportError:\n    def g(): return 1\nwith a:\n    async def h(): pass\n"
    ),
    "match with and without _": (
        "def f(p):\n    match p:\n        case 1 | 2:\n            return 1\n        case [a, *rest] if a and rest:\n"
        "            return 2\n        case {'k': v, **kw}:\n            return v\n        case Point(x=0):\n"
        "            return 3\n        case _:\n            return 4\n"
        "def g(p):\n    match p:\n        case (1, 2):\n            pass\n        case str() as s:\n            pass\n"
        "def h(p):\n    match p:\n        case _:\n            pass\n"
        "def k(p):\n    match p:\n        case x:\n            pass\n        case y:\n            pass\n"
        "def m(p):\n    match p:\n        case 1:\n            pass\n        case x if x > 1:\n            pass\n"
    ),
    "try forms": (
        "def f():\n    try:\n        a()\n    except (A, B) as e:\n        b()\n    except C:\n        pass\n"
        "    else:\n        c()\n    finally:\n        d()\n"
        "def g():\n    try:\n        a()\n    except* A:\n        b()\n    except* B:\n        pass\n"
        "    else:\n        c()\n"
        "def h():\n    try:\n        pass\n    finally:\n        pass\n"
    ),
    "loops with else": (
        "def f():\n    for i in a:\n        pass\n    else:\n        pass\n    while b:\n        break\n"
        "    else:\n        pass\nasync def g():\n    async for i in a:\n        pass\n    else:\n        pass\n"
        "    async with a as b, c:\n        await b\n"
    ),
    "comprehensions with ifs": (
        "def f(a):\n    x = [i for i in a if i if i > 1 for j in i if j]\n    y = {k: v for k, v in a}\n"
        "    z = {i for i in a if not i}\n    return (i async for i in a if await i)\n"
    ),
    "lambdas": "f = lambda a, *, b=1: a if b else (lambda: a or b)()\ng = lambda *a, **k: -a[0]\n",
    "walrus and f-strings": (
        'def f(a):\n    if (n := len(a)) > 10:\n        return f\'{n!r:>{a}} {n + 1} {"x" if n else "y"}\'\n'
        "    return f'''\n{n}\n'''\n"
    ),
    "constants that collapse as operands": (
        "x = 1 + True\ny = 1.0 * 1\nz = x or True\ndef f():\n    return 1 + True + 1.0 - 0 - False\n"
        "def g():\n    return 1j + 1 + (1 == 1.0)\n"
    ),
    "names, attributes and strings as operands": "x = a + a.a + 'a' + b'a' + a['a'] + a()\nx += y.x\n",
    "same function name twice": "def f():\n    return a + 1\nclass C:\n    def f(self):\n        return a + 1\n",
    "augmented assignments and unary operators": "x += 1\nx.y -= -y\nx[0] *= ~z\nx @= not y\nx **= +1\n",
    "comparisons": "x = a < b <= c != d is not e in f not in g\ny = a == a\n",
    "boolean operators": "x = a and b and c or d or not e\ny = (a or b) and (c or d)\n",
    "async everything": (
        "async def f():\n    async with a:\n        async for x in b:\n            await x\n"
        "    return [i async for i in c if i]\n"
    ),
    "asserts at module level and in methods": (
        "assert a and b\nclass C:\n    assert c or d\n    def m(self):\n        assert e, f if g else h\n"
    ),
    "decorated async method ending with a closure": (
        "class C:\n    @staticmethod\n    async def m(a):\n        x = [\n            a,\n        ]\n"
        "        async def inner():\n            return x\n"
    ),
    "global, nonlocal, del, raise, import": (
        "import os, sys as s\nfrom a import (b,\n    c)\ndef f():\n    global g\n    del g[0], h\n"
        "    raise E from (a or b)\n"
    ),
    "dict unpacking and star args": "x = {**a, 'k': 1, None: b}\nf(*a, **b, k=c or d)\ny = [*a, *b]\n",
    "slices and subscripts": "x = a[1:2, ::3, b or c]\ny = a[-1]\n",
    "yield and await at odd places": "yield x\nawait y\nx = yield from z\n",
    "type annotations": "x: int = 1\ny: list[int | None]\ndef f(a: int = 1) -> str:\n    z: a or b = c\n",
    "deeply nested blocks": "".join(" " * i + "if x:\n" for i in range(60)) + " " * 60 + "pass\n",
    "long elif chain": "if a:\n    pass\n" + "".join(f"elif a == {i}:\n    pass\n" for i in range(150)),
}


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_case(source: str) -> None:
    assert_identical(source)


def test_radon_quirks_are_reproduced() -> None:
    """Quirks the walk reproduces on purpose; Radon's own numbers (compared inside
    assert_identical) prove each one."""

    def blocks(source: str) -> list[tuple[Any, ...]]:
        return [tuple(block) for block in assert_identical(source).functions]

    # The endline is the last body statement's visitor's max line: a nested def, a class or an
    # assert there contributes none, so the function "ends" on its def line.
    assert blocks(EDGE_CASES["function ending with a nested def"])[0][3] == 1
    assert blocks(EDGE_CASES["function ending with a nested class"])[0][3] == 1
    assert blocks(EDGE_CASES["function ending with an assert"])[0][3] == 1
    # ... and a def inside the last statement contributes none either: the if's line, not the body's.
    assert blocks(EDGE_CASES["function ending in an if holding a def"])[0][3] == 3
    # An assert counts 1 and nothing inside it counts.
    assert assert_identical("def f():\n    assert a and b and c\n").functions[0].complexity == 2
    # A bare capture pattern counts as `_`, and only one case is taken off.
    assert [b[4] for b in blocks(EDGE_CASES["match with and without _"])] == [6, 3, 1, 2, 2]
    # try/except* counts nothing; try/except counts the handlers and the else.
    assert [b[4] for b in blocks(EDGE_CASES["try forms"])] == [4, 1, 1]
    # Inner classes and classes in functions count nowhere, their methods are no blocks.
    inner = assert_identical(EDGE_CASES["inner classes are dropped"])
    assert inner.total_complexity == 2 and [b.name for b in inner.functions] == ["m"]
    in_function = assert_identical(EDGE_CASES["classes in functions are dropped"])
    assert in_function.total_complexity == 1 and [b.name for b in in_function.functions] == ["f"]
    # Function decorators and defaults are not visited by either visitor; class decorators and
    # bases are visited by Halstead only.
    decorated = assert_identical(EDGE_CASES["decorators and defaults are not visited"])
    assert decorated.total_complexity == 1 and decorated.halstead.N1 == 0
    klass = assert_identical(EDGE_CASES["class decorators and bases"])
    assert klass.total_complexity == 3 and klass.halstead.N1 == 3
    # Methods come after the module's functions, whatever the source order.
    assert [b[0] for b in blocks("class C:\n    def m(self): pass\ndef f(): pass\n")] == ["f", "m"]
    # 1, True and 1.0 are one operand at module level, and another one inside a function.
    assert assert_identical("x = 1 + True\ny = 1.0 + 1\n").halstead.h2 == 1
    assert assert_identical("x = 1 + True\ndef f():\n    return 1.0 + 1\n").halstead.h2 == 2


def test_fallback_when_the_interpreter_is_not_the_one_proven(monkeypatch: pytest.MonkeyPatch) -> None:
    """On another Python or radon the walk is not trusted: the scorer runs Radon's visitors."""
    source = EDGE_CASES["methods, properties and nested ifs in a class"]
    expected = scorer.measure(source)
    monkeypatch.setattr(astmetrics, "_FAST_PATH_SUPPORTED", False)
    fell_back = astmetrics.path_counts["radon"]
    assert astmetrics.fast_metrics(ast.parse(source)) is None
    assert scorer.measure(source) == expected
    assert astmetrics.path_counts["radon"] == fell_back + 2


def test_scorer_rows_equal_radon_s() -> None:
    """The stored function rows and Halstead floats are Radon's, key for key."""
    source = (
        EDGE_CASES["methods, properties and nested ifs in a class"] + EDGE_CASES["match with and without _"]
    )
    metrics, functions, _ = scorer.measure(source)
    total, blocks, halstead = radon_numbers(ast.parse(source))
    assert [
        (f["name"], f["class_name"], f["lineno"], f["endline"], f["complexity"]) for f in functions
    ] == blocks
    assert metrics["cc_total"] == total
    assert (metrics["h_volume"], metrics["h_difficulty"], metrics["h_effort"], metrics["h_bugs"]) == (
        halstead[7],
        halstead[8],
        halstead[9],
        halstead[11],
    )


def test_leaves_the_walk_inlines_hold_no_nodes() -> None:
    """The walk handles Name and Constant children without a call, which is right only if they
    have no child fields; every class the parser produces must be described by the table."""
    assert astmetrics._SPECS[ast.Name][1] == () and astmetrics._SPECS[ast.Constant][1] == ()
    assert astmetrics._SPECS[ast.For][1] == (
        ("target", False),
        ("iter", False),
        ("body", True),
        ("orelse", True),
    )
    described = {cls for cls, spec in astmetrics._SPECS.items() if spec[0] != astmetrics._UNPROVEN}
    assert {ast.Module, ast.TryStar, ast.MatchAs, ast.Lambda, ast.arguments, ast.comprehension} <= described


# Shapes that parse but nest deep enough for Radon's recursive visitors to run out of stack:
# chained operators, elif chains, call chains, and expressions under 90 nested async defs or
# classes (4 and 2 frames a level for Radon).
DEEP_SHAPES: dict[str, Callable[[int], str]] = {
    "binary operators": lambda n: "x = " + " + ".join(["a"] * n) + "\n",
    "elif chain": lambda n: "if a:\n    pass\n" + "".join(f"elif a == {i}:\n    pass\n" for i in range(n)),
    "call chain": lambda n: "x = a" + ".b()" * n + "\n",
    "under async defs": lambda n: (
        "".join(" " * i + f"async def f{i}():\n" for i in range(90))
        + " " * 90
        + "return "
        + "+".join(["a"] * n)
        + "\n"
    ),
    "under classes": lambda n: (
        "".join(" " * i + f"class C{i}:\n" for i in range(90))
        + " " * 90
        + "x = "
        + "-".join(["a"] * n)
        + "\n"
    ),
    "in an assert": lambda n: "def f():\n    assert " + " * ".join(["a"] * n) + "\n",
}


def _measure_as_before(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The numbers `measure` took from Radon before astmetrics, computed as it did then: parse,
    then Radon's visitors, called one frame below the caller like `measure` calls them now."""
    tree, _, _ = scorer._parse(text)
    visitor = ComplexityVisitor.from_ast(tree)
    functions = [b for b in visitor.blocks if isinstance(b, Function)]
    rows = [
        {
            "name": b.name,
            "class_name": b.classname,
            "lineno": b.lineno,
            "endline": b.endline,
            "complexity": b.complexity,
        }
        for b in functions
    ]
    return {"cc_total": visitor.total_complexity, "h_volume": h_visit_ast(tree).total.volume}, rows


def _outcome(measure: Callable[[str], tuple[Any, ...]], text: str) -> tuple[Any, ...]:
    """Complexity, function rows and Halstead volume, or RecursionError. `measure` is called
    right here, so both measures run Radon at the same stack depth."""
    try:
        metrics, functions, *_ = measure(text)
    except RecursionError:
        return ("RecursionError",)
    keys = ("name", "class_name", "lineno", "endline", "complexity")
    return metrics["cc_total"], metrics["h_volume"], [tuple(f[key] for key in keys) for f in functions]


def _first(n_max: int, predicate: Callable[[int], bool]) -> int:
    """The smallest n in 1..n_max for which `predicate` (false, then true) holds."""
    low, high = 1, n_max
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low


@pytest.mark.parametrize("shape", DEEP_SHAPES, ids=DEEP_SHAPES)
def test_scorer_fails_exactly_where_radon_fails(shape: str) -> None:
    """Around the depth where the walk hands over to Radon and around the depth where Radon runs
    out of stack, the scorer's outcome is the one it had before: the same numbers or the same
    RecursionError. The hand-over comes first, so the walk never answers where Radon fails."""
    make = DEEP_SHAPES[shape]

    def handed_over(n: int) -> bool:
        before = astmetrics.path_counts["radon"]
        _outcome(scorer.measure, make(n))
        return astmetrics.path_counts["radon"] > before

    # Up to 700 levels: deep enough for Radon to fail, not for ast.parse itself to (some thousands).
    hand_over = _first(700, handed_over)
    radon_fails = _first(700, lambda n: _outcome(_measure_as_before, make(n)) == ("RecursionError",))
    assert 60 < hand_over < radon_fails < 700
    for n in [*range(hand_over - 3, hand_over + 3), *range(radon_fails - 3, radon_fails + 3)]:
        assert _outcome(scorer.measure, make(n)) == _outcome(_measure_as_before, make(n)), n


def test_too_deep_for_radon_is_too_deep_for_the_scorer() -> None:
    source = DEEP_SHAPES["binary operators"](600).encode()
    assert _outcome(_measure_as_before, source.decode()) == ("RecursionError",)
    score = score_blob("x", source)
    assert score.error_kind == "too_deep"
    assert "maximum recursion depth" in (score.error or "")
    assert score.metrics == {} and score.functions == []


def test_deep_but_ordinary_trees_take_the_fast_path() -> None:
    """Nesting real code has stays far below the hand-over depth."""
    for n in (50, 150):
        served = astmetrics.path_counts["fast"]
        score = score_blob("x", DEEP_SHAPES["elif chain"](n).encode())
        assert score.error_kind is None and astmetrics.path_counts["fast"] == served + 1


# Random programs: statements from these lists, nested in compound statements at random.
SIMPLE_STATEMENTS = [
    "pass",
    "x = 1",
    "y = True",
    "z = 1.0",
    "x += 1",
    "a.b -= -1",
    "x = 1 + True - 1.0",
    "return a or b",
    "return",
    "yield x",
    "assert a and b, 'm'",
    "assert x",
    "x = [i for i in y if i if i > 1]",
    "x = {k: v for k, v in d.items() if k or v}",
    "f = lambda a, *, b=1: a if b else -a",
    "if (n := len(a)) > 10: pass",
    "print(f'{x!r:>{w}} {y + 1}')",
    "a < b <= c != d",
    "not x",
    "x = a if b else c if d else e",
    "del x[0]",
    "raise E from e",
    "import os",
    "x = {**d, 'k': 1 and 2}",
    "x = a.b.c + a[1:2] * ~c",
    "await x",
    "x = [i async for i in y]",
    "global g",
    "x: int = a or b",
    "break",
    "continue",
    "x = (yield)",
    "s = 'a' 'b' + \"a\"",
    "x = a @ b // c % d ** e",
]
DEF_HEADERS = [
    "def f(a, b=x or y, *args, **kw):",
    "@dec(a or b)\n@other\ndef g() -> a or b:",
    "async def h():",
    "@property\ndef f(self):",
    "@d(lambda: a if b else c)\nasync def g(x=1 and 2):",
]
CLASS_HEADERS = ["class C(Base, metaclass=M if x else N):", "@deco(x and y)\nclass D:", "class C:"]
OTHER_HEADERS = [
    "for i in range(3):",
    "async for i in y:",
    "while a or b:",
    "with a as b, c:",
    "async with a:",
    "if a and b:",
]
MATCH_CASES = [
    "case 1 | 2:",
    "case [a, *rest]:",
    "case {'k': v, **kw}:",
    "case Point(x=0) | Point(y=0) if a and b:",
    "case _:",
    "case y:",
    "case str() as s if s:",
    "case None:",
    "case z if z:",
]


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _compound(inner: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    def concatenate(blocks: list[list[str]]) -> list[str]:
        return [line for block in blocks for line in block]

    def single(header: str, body: list[str]) -> list[str]:
        return [*header.split("\n"), *_indent(body)]

    def if_else(test: str, body: list[str], orelse: list[str], elif_body: list[str] | None) -> list[str]:
        lines = [f"if {test}:", *_indent(body)]
        if elif_body is not None:
            lines += ["elif b or c:", *_indent(elif_body)]
        return lines + ["else:", *_indent(orelse)]

    def loop_else(header: str, body: list[str], orelse: list[str]) -> list[str]:
        return [header, *_indent(body), "else:", *_indent(orelse)]

    def try_(
        star: bool, bodies: list[list[str]], orelse: list[str] | None, final: list[str] | None
    ) -> list[str]:
        lines = ["try:", *_indent(bodies[0])]
        for number, body in enumerate(bodies[1:]):
            lines += [f"except{'*' if star else ''} E{number} as e:", *_indent(body)]
        if orelse is not None and len(bodies) > 1:  # no else without an except
            lines += ["else:", *_indent(orelse)]
        if final is not None or len(bodies) == 1:
            lines += ["finally:", *_indent(final or ["pass"])]
        return lines

    def match(cases: list[tuple[str, list[str]]]) -> list[str]:
        lines = ["match x:"]
        for case, body in cases:
            lines += _indent([case, *_indent(body)])
        return lines

    defs = st.builds(single, st.sampled_from(DEF_HEADERS), inner)
    return st.one_of(
        defs,
        st.builds(single, st.sampled_from(CLASS_HEADERS), inner),
        st.builds(
            single,
            st.sampled_from(CLASS_HEADERS),
            st.lists(defs | inner, min_size=1, max_size=3).map(concatenate),
        ),
        st.builds(single, st.sampled_from(OTHER_HEADERS), inner),
        st.builds(if_else, st.sampled_from(["a", "a and b", "not a"]), inner, inner, st.none() | inner),
        st.builds(loop_else, st.sampled_from(["for i in a:", "while x:", "async for i in a:"]), inner, inner),
        st.builds(
            try_, st.booleans(), st.lists(inner, min_size=1, max_size=3), st.none() | inner, st.none() | inner
        ),
        st.builds(match, st.lists(st.tuples(st.sampled_from(MATCH_CASES), inner), min_size=1, max_size=3)),
        st.lists(inner, min_size=2, max_size=3).map(concatenate),
    )


PROGRAMS = st.recursive(
    st.lists(st.sampled_from(SIMPLE_STATEMENTS), min_size=1, max_size=3), _compound, max_leaves=12
)


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROGRAMS)
def test_random_programs(lines: list[str]) -> None:
    assert_identical("\n".join(lines) + "\n")
