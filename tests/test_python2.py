"""Python 2 blobs: the in-place rewrite scores what the author wrote, line for line, and equals
fissix's full translation wherever fissix changes only syntax."""

from __future__ import annotations

import re

import pytest

from qroi.sample_repos.python2_era import MODULES, Python2Module
from qroi.scoring import python2
from qroi.scoring.scorer import measure, score_blob, translate_python2

IDS = [m.path for m in MODULES]


def _def_lines(text: str) -> dict[str, int]:
    """Each function's `def` line, read off the text itself."""
    return {m.group(1): text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^ *def (\w+)", text, re.M)}


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_python2_scores_equal_its_python3_twin(module: Python2Module) -> None:
    translated = score_blob("py2", module.python2.encode())
    twin = score_blob("py3", module.python3.encode())
    assert translated.error_kind is None and twin.error_kind is None
    assert translated.translated and not twin.translated
    assert translated.metrics == twin.metrics
    assert translated.functions == twin.functions


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_rewrite_keeps_every_line_where_it_was(module: Python2Module) -> None:
    rewritten = python2.translate(module.python2)
    assert rewritten is not None
    assert rewritten.count("\n") == module.python2.count("\n")
    functions = measure(rewritten)[1]
    assert {f["name"]: f["lineno"] for f in functions} == {
        name: line
        for name, line in _def_lines(module.python2).items()
        if name in {f["name"] for f in functions}
    }
    assert {f["name"] for f in functions} == set(_def_lines(module.python2))


@pytest.mark.parametrize("module", [m for m in MODULES if m.fissix_equal], ids=lambda m: m.path)
def test_pure_syntax_scores_equal_fissix_full_translation(module: Python2Module) -> None:
    full = translate_python2(module.python2)
    assert full is not None
    assert measure(python2.translate(module.python2) or "") == measure(full)


def test_fissix_moves_lines_the_rewrite_keeps() -> None:
    """The documented differences: fissix's unpacking line for tuple parameters shifts every
    function below; its blanked `__future__` import and `__nonzero__` -> `__bool__` rename are not
    what the author wrote. The rewrite keeps the original's lines and names (tested above)."""
    tuples = next(m for m in MODULES if "tuple" in m.path)
    full = translate_python2(tuples.python2) or ""
    assert full.count("\n") > tuples.python2.count("\n")
    shifted = {f["name"]: f["lineno"] for f in measure(full)[1]}
    assert shifted != _def_lines(tuples.python2)

    modern = next(m for m in MODULES if "modernised" in m.path)
    fissix_metrics, fissix_functions, _ = measure(translate_python2(modern.python2) or "")
    mine_metrics, mine_functions, _ = measure(python2.translate(modern.python2) or "")
    assert "__bool__" in {f["name"] for f in fissix_functions}
    assert "__nonzero__" in {f["name"] for f in mine_functions}
    assert fissix_metrics["sloc"] < mine_metrics["sloc"]


def test_shapes_the_rewrite_leaves_to_fissix_are_still_translated() -> None:
    source = b"try:\n    pass\nexcept ValueError, (code, message):\n    print message\n"
    assert python2.translate(source.decode()) is None
    score = score_blob("x", source)
    assert score.error_kind is None and score.translated


def test_neither_python3_nor_python2_is_a_syntax_error() -> None:
    score = score_blob("x", b"def broken(:\n    print 'x'\n")
    assert score.error_kind == "syntax" and not score.translated
