"""Benchmark `qroi.scoring.astmetrics` against Radon's visitors on the standard library.

Usage: python bench/astmetrics.py [--full]

Per file, on one parsed tree, Radon's `ComplexityVisitor.from_ast` + `h_visit_ast` and
`astmetrics.fast_metrics` run one after the other in the same process, and every result is
compared (total complexity, the Function blocks, the Halstead report). Then the scorer's whole
`measure()` (parse, complexity, Halstead, raw metrics, MI) is timed per blob as it is now and as
it was before, with the walk switched off so that `measure` runs Radon's visitors, and those two
results are compared too. Without --full the corpus is the deterministic sample the tests use;
with --full it is every .py file of this interpreter's standard library. Files that do not parse
(deliberately broken test data, Python 2) are left out: there is no tree to measure. Exits non-zero
on any mismatch.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rawmetrics import (
    STDLIB,
    default_sample,
    outcome,
    show_progress,
    stdlib_files,
    timed_call,
    verdict,
)
from qroi.scoring import (
    astmetrics,
    scorer,
)


def _seconds(call: Callable[[], object]) -> float:
    return timed_call(call)[1]


def _measure_before(text: str) -> tuple[object, ...]:
    """`scorer.measure` with the walk switched off: Radon's visitors, as before astmetrics."""
    astmetrics._FAST_PATH_SUPPORTED = False
    try:
        return scorer.measure(text)
    finally:
        astmetrics._FAST_PATH_SUPPORTED = True


def _ratios(pairs: Sequence[tuple[float, float]]) -> str:
    ratios = [before / after for before, after in pairs]
    total = sum(before for before, _ in pairs) / sum(after for _, after in pairs)
    return (
        f"total {total:5.1f} x, per file median {statistics.median(ratios):.1f} x, "
        f"min {min(ratios):.1f} x, max {max(ratios):.1f} x"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Time both on the corpus, compare every result, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every stdlib file, not the sample")
    args = parser.parse_args(argv)
    if not astmetrics._FAST_PATH_SUPPORTED:
        print("the fast path is off on this Python/radon: nothing to compare")
        return 1

    files = stdlib_files()
    corpus = files if args.full else default_sample(files)
    print(
        f"Python {sys.version.split()[0]}, radon visitors vs qroi.scoring.astmetrics, {len(corpus)} of "
        f"{len(files)} stdlib files ({'all' if args.full else 'default sample; --full for all'})"
    )
    visitors: list[tuple[float, float]] = []  # radon s, ours s
    measures: list[tuple[float, float]] = []  # measure() before s, now s
    slowest: list[tuple[float, float, str]] = []
    mismatches: list[str] = []
    unparsed = handed_over = 0
    for done, path in enumerate(corpus, 1):
        name = path.relative_to(STDLIB).as_posix()
        try:  # the text as the scorer gets it: declared encoding, universal newlines
            text = scorer.decode_source(path.read_bytes())
            tree = ast.parse(text)
        except (SyntaxError, ValueError, LookupError, RecursionError):  # UnicodeDecodeError is a ValueError
            unparsed += 1
            continue
        expected = astmetrics.radon_metrics(tree)
        got = astmetrics.fast_metrics(tree)
        if got is None:  # too deep to vouch for: the scorer runs Radon, nothing to compare or time
            handed_over += 1
            continue
        old, new = outcome(_measure_before, text), outcome(scorer.measure, text)  # radon.raw may raise
        if got != expected or old != new:
            mismatches.append(
                f"{name}: radon {expected} != ours {got}"
                if got != expected
                else f"{name}: measure() before {old} != now {new}"
            )
        radon_seconds = _seconds(lambda tree=tree: astmetrics.radon_metrics(tree))
        ours_seconds = _seconds(lambda tree=tree: astmetrics.fast_metrics(tree))
        visitors.append((radon_seconds, ours_seconds))
        slowest.append((radon_seconds, ours_seconds, name))
        measures.append(
            (
                _seconds(lambda text=text: outcome(_measure_before, text)),
                _seconds(lambda text=text: outcome(scorer.measure, text)),
            )
        )
        show_progress(done, len(corpus))
    show_progress(len(corpus), len(corpus), last=True)

    n = len(visitors)
    radon_total, ours_total = (sum(column) for column in zip(*visitors, strict=True))
    before_total, now_total = (sum(column) for column in zip(*measures, strict=True))
    print(f"files measured         {n} ({unparsed} do not parse, {handed_over} handed over to radon)")
    print(f"radon visitors         {radon_total:8.2f} s  ({radon_total / n * 1000:.2f} ms per file)")
    print(f"astmetrics             {ours_total:8.2f} s  ({ours_total / n * 1000:.2f} ms per file)")
    print(f"speed-up               {_ratios(visitors)}")
    print(
        f"measure() before       {before_total:8.2f} s  ({before_total / n * 1000:.2f} ms per blob, "
        f"median {statistics.median(b for b, _ in measures) * 1000:.2f} ms)"
    )
    print(
        f"measure() now          {now_total:8.2f} s  ({now_total / n * 1000:.2f} ms per blob, "
        f"median {statistics.median(a for _, a in measures) * 1000:.2f} ms)"
    )
    print(f"measure() speed-up     {_ratios(measures)}")
    print("slowest for radon:")
    for radon_seconds, ours_seconds, name in sorted(slowest, reverse=True)[:5]:
        print(f"  {radon_seconds * 1000:9.1f} ms vs {ours_seconds * 1000:7.1f} ms  {name}")
    print("lowest speed-ups:")
    for radon_seconds, ours_seconds, name in sorted(slowest, key=lambda row: row[0] / row[1])[:3]:
        print(f"  {radon_seconds * 1e6:9.1f} us vs {ours_seconds * 1e6:7.1f} us  {name}")
    return verdict(mismatches, n)


if __name__ == "__main__":
    sys.exit(main())
