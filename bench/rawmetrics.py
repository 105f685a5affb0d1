"""Benchmark `qroi.scoring.rawmetrics.analyze` against `radon.raw.analyze` on the standard library.

Usage: python bench/rawmetrics.py [--full]

Both run on the same files in the same process, one after the other per file, and every result
is compared (the same counts, or the same exception type and message). Without --full the corpus
is the deterministic sample the tests use; with --full it is every .py file of this
interpreter's standard library, which takes radon a quarter of an hour (pydoc_data/topics.py
alone, one huge dict of multi-line strings, is most of it). Exits non-zero on any mismatch.

The corpus helpers live here so that tests/test_rawmetrics.py checks exactly these files.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import sysconfig
import time
import tokenize
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import radon.raw

from qroi.scoring import rawmetrics

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Third-party packages can be installed under the stdlib directory; they are not the stdlib.
_NOT_STDLIB = {"site-packages", "dist-packages", "__pycache__"}
SMALL_BYTES = 8 * 1024
SAMPLED_BYTES = 64 * 1024
# Test data written not to parse: radon's SyntaxError path must match on all of it.
UNPARSABLE_DIRS = ("lib2to3/tests/data", "test/tokenizedata")

Outcome = tuple[object, ...]
T = TypeVar("T")


def stdlib_files() -> list[Path]:
    """Every .py file under this interpreter's stdlib directory, sorted, test data included."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(STDLIB):
        dirnames[:] = sorted(d for d in dirnames if d not in _NOT_STDLIB)
        found.extend(Path(dirpath, name) for name in sorted(filenames) if name.endswith(".py"))
    return found


def default_sample(files: Sequence[Path]) -> list[Path]:
    """The deterministic subset the tests check: every file up to 8 KB, all deliberately broken
    test data, and one file in eight (by CRC-32 of its relative path, so the choice does not shift
    when files come and go) up to 64 KB. Bigger files are left to --full: radon alone needs
    minutes on a few of them."""
    chosen = []
    for path in files:
        relative = path.relative_to(STDLIB).as_posix()
        size = path.stat().st_size
        if (
            size <= SMALL_BYTES
            or relative.startswith(UNPARSABLE_DIRS)
            or (size <= SAMPLED_BYTES and zlib.crc32(relative.encode()) % 8 == 0)
        ):
            chosen.append(path)
    return chosen


def read_source(path: Path) -> str:
    """The file as text the way Python decodes it (coding cookie, BOM), line endings untouched so
    CRLF files stay CRLF; Latin-1 when the declared encoding is broken (tokenizer test data)."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


def outcome(analyze: Callable[[str], object], source: str) -> Outcome:
    """What an analyze function gives: its counts, or its exception's type and message."""
    try:
        return tuple(analyze(source))  # type: ignore[call-overload]
    except Exception as exc:  # the exception is the result being compared
        return (type(exc).__name__, str(exc))


def timed_call(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its seconds per call. Calls under 50 ms are timed again in three
    batches and the fastest batch kept, so that a scheduler hiccup on a busy machine does not pass
    for a result; slow calls run once (Radon takes minutes on some files)."""
    started = time.perf_counter()
    result = call()
    best = time.perf_counter() - started
    if best < 0.05:
        per_batch = max(1, min(200, int(5e-3 / max(best, 1e-6))))
        for _ in range(3):
            started = time.perf_counter()
            for _ in range(per_batch):
                call()
            best = min(best, (time.perf_counter() - started) / per_batch)
    return result, best


def _timed(analyze: Callable[[str], object], source: str) -> tuple[Outcome, float]:
    return timed_call(lambda: outcome(analyze, source))


def main(argv: Sequence[str] | None = None) -> int:
    """Time both implementations on the corpus, compare every result, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every stdlib file, not the sample")
    args = parser.parse_args(argv)

    files = stdlib_files()
    corpus = files if args.full else default_sample(files)
    print(
        f"Python {sys.version.split()[0]}, radon.raw vs qroi.scoring.rawmetrics, {len(corpus)} of {len(files)} "
        f"stdlib files ({'all' if args.full else 'default sample; --full for all'})"
    )
    radon_total = ours_total = 0.0
    timings: list[tuple[float, float, int, str]] = []  # radon s, ours s, bytes, name
    mismatches: list[str] = []
    rejected = 0
    before = rawmetrics.path_counts.copy()
    for done, path in enumerate(corpus, 1):
        source = read_source(path)
        expected, radon_seconds = _timed(radon.raw.analyze, source)
        got, ours_seconds = _timed(rawmetrics.analyze, source)
        radon_total += radon_seconds
        ours_total += ours_seconds
        timings.append((radon_seconds, ours_seconds, len(source), path.relative_to(STDLIB).as_posix()))
        rejected += isinstance(expected[0], str)
        if got != expected:
            mismatches.append(f"{path}: radon {expected} != ours {got}")
        show_progress(done, len(corpus))
    show_progress(len(corpus), len(corpus), last=True)

    timings.sort(reverse=True)
    ratios = [radon_seconds / ours_seconds for radon_seconds, ours_seconds, _, _ in timings]
    big_ratios = [ratio for ratio, (_, _, size, _) in zip(ratios, timings, strict=True) if size >= 4096]
    slower = [size for ratio, (_, _, size, _) in zip(ratios, timings, strict=True) if ratio < 1]
    worst_radon, worst_ours, _, worst_name = timings[0]
    # _timed may call rawmetrics several times per file; the share is per call either way.
    served = rawmetrics.path_counts - before
    fast_share = served["linear"] / max(1, served["linear"] + served["radon"])
    print(f"radon.raw.analyze      {radon_total:10.2f} s")
    print(f"rawmetrics.analyze     {ours_total:10.2f} s")
    print(f"speed-up, total        {radon_total / ours_total:10.1f} x")
    if len(timings) > 1:
        print(f"  without {worst_name} {(radon_total - worst_radon) / (ours_total - worst_ours):.1f} x")
    print(
        f"speed-up per file      median {statistics.median(ratios):.1f} x, "
        f"min {min(ratios):.1f} x, max {max(ratios):.0f} x"
    )
    if big_ratios:
        print(
            f"  files of 4 KB or more: median {statistics.median(big_ratios):.1f} x over {len(big_ratios)} files"
        )
    if slower:
        print(f"  slower than radon on {len(slower)} files, the largest {max(slower)} characters")
    print(f"fast path share        {fast_share:10.1%} of calls ({served['radon']} fell back to radon)")
    print(f"radon rejects          {rejected} files (raises SyntaxError)")
    print("slowest for radon:")
    for radon_seconds, ours_seconds, _, name in timings[:5]:
        print(f"  {radon_seconds:9.2f} s vs {ours_seconds * 1000:8.1f} ms  {name}")
    return verdict(mismatches, len(corpus))


def show_progress(done: int, total: int, last: bool = False) -> None:
    """Files done so far, on a terminal only (a long --full run is otherwise silent for minutes)."""
    if not sys.stderr.isatty():
        return
    if last:
        print(file=sys.stderr)
    elif done % 50 == 0:
        print(f"\r{done}/{total} files", end="", file=sys.stderr, flush=True)


def verdict(mismatches: Sequence[str], files: int) -> int:
    """Print every mismatch and the identity count; the exit status (1 on any mismatch)."""
    for line in mismatches:
        print("MISMATCH", line)
    print(f"identical: {files - len(mismatches)} of {files} files, mismatches: {len(mismatches)}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
