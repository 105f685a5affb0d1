"""Score one Python source with Radon: raw counts, cyclomatic complexity, Halstead and MI.

Radon's own entry points parse the source several times over (`mi_visit` alone recomputes raw,
cc and Halstead), and their generic visitors dominate what is left. Here the source is parsed
once; complexity and Halstead come from one walk of that tree (`qroi.scoring.astmetrics`), raw counts
from one pass over the tokens (`qroi.scoring.rawmetrics`), and MI from those numbers with
`radon.metrics.mi_compute`, exactly as `mi_visit(code, multi=True)` computes it. Both fast paths
are proven identical to Radon on every file of the standard library and fall back to Radon's
own code where they cannot vouch for it, so every stored number equals what Radon reports.

A source that cannot be scored is reported with a kind and a message, never as zeros:
- `decode`: bytes that are not text in the declared (or default UTF-8) encoding;
- `syntax`: not Python 3, and not Python 2 that an in-place rewrite (`qroi.scoring.python2`) or
  fissix's lib2to3 translation can rescue;
- `too_deep`: nesting beyond what the parser or Radon's recursive visitors can take;
- `too_large`: over the size limit;
- `timeout`: over the per-blob time budget (Radon is superlinear on some big literal tables);
- `radon`: Radon itself failed.
"""

from __future__ import annotations

import ast
import io
import signal
import threading
import time
import tokenize
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from radon.complexity import cc_rank
from radon.metrics import h_visit_ast, mi_compute, mi_rank
from radon.visitors import ComplexityVisitor

from qroi.core.metrics import C_OR_WORSE
from qroi.scoring import astmetrics, python2, rawmetrics

DEFAULT_BUDGET_SECONDS = 10.0
DEFAULT_MAX_BYTES = 4_000_000
METRICS = (
    "loc",
    "lloc",
    "sloc",
    "comments",
    "multi",
    "blank",
    "single_comments",
    "cc_total",
    "cc_max",
    "cc_mean",
    "functions",
    "c_or_worse",
    "mi",
    "mi_rank",
    "h_volume",
    "h_difficulty",
    "h_effort",
    "h_bugs",
)


class ScoreTimeout(Exception):
    """Raised inside a scoring call when the per-blob time budget runs out."""


@dataclass(slots=True)
class BlobScore:
    """One blob's row for the `blobs` table plus its functions' rows."""

    blob: str
    size_bytes: int
    error_kind: str | None = None
    error: str | None = None
    translated: bool = False
    score_seconds: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)
    functions: list[dict[str, Any]] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "blob": self.blob,
            "size_bytes": self.size_bytes,
            "error_kind": self.error_kind,
            "error": self.error,
            "translated": self.translated,
            "score_seconds": round(self.score_seconds, 6),
            **{key: self.metrics.get(key) for key in METRICS},
        }


def decode_source(data: bytes) -> str:
    """Bytes -> text as Python reads a source file: PEP 263 cookie or BOM, universal newlines."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n")


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after `seconds` (needs the main thread; elsewhere it is not enforced)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expire(signum: int, frame: object) -> None:
        raise ScoreTimeout

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@cache
def _refactoring_tool():
    from fissix import refactor

    return refactor.RefactoringTool(refactor.get_fixers_from_package("fissix.fixes"))


def translate_python2(text: str) -> str | None:
    """Python 2 source -> Python 3 with all of fissix's fixers, or None if it is not Python 2 either.

    Not what the scorer scores (it rewrites only the syntax, `python2_tree`): the reference the
    in-place rewrite is measured against, and its fallback for shapes it does not handle."""
    from fissix.pgen2.parse import ParseError
    from fissix.pgen2.tokenize import TokenError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            translated = str(
                _refactoring_tool().refactor_string(text if text.endswith("\n") else text + "\n", "<blob>")
            )
        ast.parse(translated)
    except (ParseError, TokenError, SyntaxError, ValueError, RecursionError, IndentationError):
        return None
    return translated


def python2_tree(text: str) -> tuple[ast.Module, str] | None:
    """The tree and text of a Python 2 source translated to Python 3, or None if it is not Python 2.

    Only what stops the Python 3 parser is rewritten, in place (`qroi.scoring.python2`: one
    tokenization, lines and line numbers kept); a source in a shape that rewrite does not handle
    goes through fissix's full translation instead."""
    rewritten = python2.translate(text if text.endswith("\n") else text + "\n")
    if rewritten is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(rewritten), rewritten
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    translated = translate_python2(text)
    return None if translated is None else (ast.parse(translated), translated)


def _parse(text: str) -> tuple[ast.AST, str, bool]:
    """The syntax tree, the text it came from, and whether that text is a Python 2 translation."""
    try:
        return ast.parse(text), text, False
    except SyntaxError as exc:
        if "too many nested" in str(exc):
            raise
        found = python2_tree(text)
        if found is None:
            raise
        return found[0], found[1], True


def measure(text: str) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """Radon's metrics for a decoded source: (blob metrics, functions, translated).

    Complexity and Halstead come from `astmetrics`' single walk, Radon's numbers without Radon's
    visitors. On a tree too deep for that walk to vouch for, Radon's visitors run here, from this
    frame as they always did, so where they run out of stack (RecursionError: "too_deep") has
    not moved.
    """
    tree, text, translated = _parse(text)
    found = astmetrics.fast_metrics(tree)
    if found is None:
        found = astmetrics.from_radon(ComplexityVisitor.from_ast(tree), h_visit_ast(tree).total)
    functions = [
        {
            "name": block.name,
            "class_name": block.classname,
            "lineno": block.lineno,
            "endline": block.endline,
            "complexity": block.complexity,
            "rank": cc_rank(block.complexity),
        }
        for block in found.functions
    ]
    halstead = found.halstead
    raw = rawmetrics.analyze(text)
    total_cc = found.total_complexity
    comment_lines = raw.comments + raw.multi
    comment_pct = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    mi = mi_compute(halstead.volume, total_cc, raw.lloc, comment_pct)
    complexities = [f["complexity"] for f in functions]
    metrics = {
        "loc": raw.loc,
        "lloc": raw.lloc,
        "sloc": raw.sloc,
        "comments": raw.comments,
        "multi": raw.multi,
        "blank": raw.blank,
        "single_comments": raw.single_comments,
        "cc_total": total_cc,
        "cc_max": max(complexities) if complexities else None,
        "cc_mean": sum(complexities) / len(complexities) if complexities else None,
        "functions": len(functions),
        "c_or_worse": sum(1 for c in complexities if c >= C_OR_WORSE),
        "mi": mi,
        "mi_rank": mi_rank(mi),
        "h_volume": halstead.volume,
        "h_difficulty": halstead.difficulty,
        "h_effort": halstead.effort,
        "h_bugs": halstead.bugs,
    }
    return metrics, functions, translated


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"line {exc.lineno}: {exc.msg}"
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _over_budget(budget: float | None) -> str:
    return f"scoring took longer than the {budget:g}s budget"


def score_blob(
    blob: str,
    data: bytes,
    budget: float | None = DEFAULT_BUDGET_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BlobScore:
    """Score one blob; every failure becomes a kind + message on the result, never an exception."""
    result = BlobScore(blob=blob, size_bytes=len(data))
    if len(data) > max_bytes:
        result.error_kind, result.error = "too_large", f"{len(data)} bytes is over the {max_bytes}-byte limit"
        return result
    started = time.perf_counter()
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:  # SyntaxError: a bad coding cookie
        result.error_kind, result.error = "decode", _one_line(exc)
        return result
    try:
        with time_budget(budget):
            result.metrics, result.functions, result.translated = measure(text)
        if budget and time.perf_counter() - started > budget:
            # The alarm can be swallowed (e.g. raised inside a garbage-collection callback); the
            # budget is a rule about time, so it holds whether or not the interruption landed.
            raise ScoreTimeout
    except SyntaxError as exc:
        too_deep = any(
            m in str(exc) for m in ("too many nested", "too complex", "too many levels of indentation")
        )
        result.error_kind, result.error = ("too_deep" if too_deep else "syntax"), _one_line(exc)
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        result.error_kind, result.error = "syntax", _one_line(exc)
    except (RecursionError, MemoryError) as exc:
        result.error_kind, result.error = "too_deep", _one_line(exc) or "nesting too deep"
    except ScoreTimeout:
        result.metrics, result.functions, result.translated = {}, [], False
        result.error_kind, result.error = "timeout", _over_budget(budget)
    except Exception as exc:  # Radon's own failures on odd but valid code must not stop a run
        if budget and time.perf_counter() - started > budget:
            # The alarm landed inside C code (e.g. the AST constructor), which reported it as its
            # own error (SystemError): the blob ran out of time.
            result.error_kind, result.error = "timeout", _over_budget(budget)
        else:
            result.error_kind, result.error = "radon", f"{type(exc).__name__}: {_one_line(exc)}"
    result.score_seconds = time.perf_counter() - started
    return result
