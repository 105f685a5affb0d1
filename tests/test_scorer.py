"""The scorer against Radon itself, and its handling of sources Radon cannot take."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from radon.complexity import cc_visit
from radon.metrics import h_visit, mi_rank, mi_visit
from radon.raw import analyze
from radon.visitors import Function

from qroi.scoring.scorer import score_blob

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLES = [
    "argparse.py",
    "csv.py",
    "textwrap.py",
    "json/decoder.py",
    "email/utils.py",
    "heapq.py",
    "bisect.py",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_scores_equal_radon_run_directly(name: str) -> None:
    source = (STDLIB / name).read_text(encoding="utf-8")
    score = score_blob("x", source.encode())
    assert score.error_kind is None
    raw = analyze(source)
    m = score.metrics
    assert (
        m["loc"],
        m["lloc"],
        m["sloc"],
        m["comments"],
        m["multi"],
        m["blank"],
        m["single_comments"],
    ) == tuple(raw)
    assert m["mi"] == mi_visit(source, True)
    assert m["mi_rank"] == mi_rank(mi_visit(source, True))
    total = h_visit(source).total
    assert (m["h_volume"], m["h_difficulty"], m["h_effort"], m["h_bugs"]) == (
        total.volume,
        total.difficulty,
        total.effort,
        total.bugs,
    )
    functions = [b for b in cc_visit(source) if isinstance(b, Function)]
    assert [(f["name"], f["class_name"], f["lineno"], f["complexity"]) for f in score.functions] == [
        (b.name, b.classname, b.lineno, b.complexity) for b in functions
    ]
    assert m["functions"] == len(functions)
    assert m["cc_max"] == max(b.complexity for b in functions)
    assert m["c_or_worse"] == sum(1 for b in functions if b.complexity >= 11)


HOSTILE = {
    "syntax error": (b"def f(:\n    pass\n", "syntax"),
    "undecodable bytes": ('x = "caf\xe9"\n'.encode("latin-1"), "decode"),
    "bad coding cookie": (b"# -*- coding: nosuchcodec -*-\nx = 1\n", "decode"),
    "null byte": (b"x = 1\x00\n", "syntax"),
    "deep parentheses": (b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n", "too_deep"),
    "deep indentation": (
        "".join(" " * i + "if x:\n" for i in range(120)).encode() + b" " * 120 + b"pass\n",
        "too_deep",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_unscorable_sources_are_flagged_never_zero(case: str) -> None:
    data, kind = HOSTILE[case]
    score = score_blob("x", data)
    assert score.error_kind == kind
    assert score.error
    assert score.metrics == {} and score.functions == []
    row = score.row()
    assert all(row.get(k) is None for k in ("loc", "sloc", "cc_total", "mi"))


def test_python2_is_translated_and_flagged() -> None:
    source = b'import sys\nprint "hello"\ntry:\n    x = 1\nexcept ValueError, e:\n    print >>sys.stderr, e\n'
    score = score_blob("x", source)
    assert score.error_kind is None
    assert score.translated is True
    assert score.metrics["sloc"] == 6


def test_coding_cookie_and_crlf_are_read_as_python_reads_them() -> None:
    latin = '# -*- coding: latin-1 -*-\nx = "caf\xe9"\n'.encode("latin-1")
    assert score_blob("x", latin).error_kind is None
    crlf = b"def f(x):\r\n    if x:\r\n        return 1\r\n    return 2\r\n"
    lf = crlf.replace(b"\r\n", b"\n")
    assert score_blob("a", crlf).metrics == score_blob("b", lf).metrics


def test_time_budget_flags_slow_blobs() -> None:
    table = b"TABLE = {\n" + b"".join(b'    "k%d": [%d, "v%d"],\n' % (i, i, i) for i in range(20000)) + b"}\n"
    score = score_blob("x", table, budget=0.01)
    assert score.error_kind == "timeout"
    assert score.metrics == {}
    assert score_blob("x", table, budget=None).error_kind is None


def test_size_limit() -> None:
    score = score_blob("x", b"x = 1\n" * 100, max_bytes=100)
    assert score.error_kind == "too_large"
