"""Python 2 blobs of real histories: the in-place rewrite against fissix's full translation.

Usage: python bench/python2_translation.py REPO [REPO ...] [--limit N] [--show N]

Collects the distinct Python blobs of each repository's history that Python 3 does not parse (the
ones the scorer translates), translates each three ways, scores each result with the scorer's
`measure`, and compares every stored metric: the blob's raw counts, CC, MI and Halstead, and each
function's name, class, line span, complexity and rank.

- `fast`: `qroi.scoring.python2.translate` (what the scorer now tries first);
- `full`: fissix with its whole fixer set (what the scorer did before; now its fallback);
- `syntax`: fissix with only the fixers for syntax Python 3 rejects.

Where fast and full differ, the blob is put in one of two classes: fast equals `syntax` (the
difference is entirely the doing of fissix's modernising fixers, which change code Python 3 parses
already; the fixers that fired in it are counted), or it does not (the fields are listed, the
first --show blobs with their line of difference). Printed also: CPU seconds per blob for each
translation, and the share each translates. Nothing is written: the blobs stay in the repositories.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
import warnings
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.scoring import python2
from qroi.scoring.scorer import decode_source, measure

SYNTAX_FIXERS = (
    "print",
    "exec",
    "except",
    "raise",
    "repr",
    "ne",
    "numliterals",
    "unicode",
    "tuple_params",
    "paren",
)
SYNTAX_CLASSES = {"Fix" + name.title().replace("_", "") for name in SYNTAX_FIXERS}
FIRED: Counter[str] = Counter()


def python3_failures(repo: str, limit: int | None) -> list[tuple[str, bytes]]:
    """(blob id, bytes) of every distinct .py blob in the history that Python 3 does not parse."""
    listing = subprocess.run(
        ["git", "-C", repo, "rev-list", "--all", "--objects"], capture_output=True, text=True, check=True
    ).stdout
    blobs = dict.fromkeys(
        sha for sha, _, path in (line.partition(" ") for line in listing.splitlines()) if path.endswith(".py")
    )
    cat = subprocess.Popen(
        ["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert cat.stdin and cat.stdout
    found = []
    for sha in blobs:
        cat.stdin.write(sha.encode() + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ast.parse(data)
                continue
            except Exception:
                pass
        found.append((sha, data))
        if limit and len(found) >= limit:
            break
    cat.stdin.close()
    cat.wait()
    return found


@cache
def _tool(names: tuple[str, ...] | None):
    from fissix import refactor

    fixers = refactor.get_fixers_from_package("fissix.fixes")
    if names is not None:
        fixers = [f"fissix.fixes.fix_{name}" for name in names]
    tool = refactor.RefactoringTool(fixers)
    for fixer in tool.pre_order + tool.post_order:  # count which fixers change something
        transform = fixer.transform

        def recording(
            node: Any, results: Any, _transform: Any = transform, _name: str = type(fixer).__name__
        ):
            before = str(node)
            new = _transform(node, results)
            if new is not None or str(node) != before:
                FIRED[_name] += 1
            return new

        fixer.transform = recording
    return tool


def fissix_with(names: tuple[str, ...] | None, text: str) -> tuple[str | None, set[str]]:
    """fissix's translation with the named fixers (None: all), and the fixers that fired."""
    FIRED.clear()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = str(_tool(names).refactor_string(text if text.endswith("\n") else text + "\n", "<blob>"))
            ast.parse(out)
    except Exception:
        return None, set()
    return out, set(FIRED)


def fast(text: str) -> str | None:
    out = python2.translate(text if text.endswith("\n") else text + "\n")
    if out is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(out)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return out


def scores(text: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    if text is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metrics, functions, _ = measure(text)
    except Exception:
        return None
    return metrics, functions


def differing_fields(
    a: tuple[dict[str, Any], list[dict[str, Any]]], b: tuple[dict[str, Any], list[dict[str, Any]]]
) -> list[str]:
    fields = [k for k in a[0] if a[0][k] != b[0][k]]
    if len(a[1]) != len(b[1]):
        fields.append("function count")
    else:
        for fa, fb in zip(a[1], b[1], strict=True):
            fields.extend(f"function {k}" for k in fa if fa[k] != fb[k])
    return sorted(set(fields))


def first_difference(a: str, b: str) -> str:
    for number, (la, lb) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if la != lb:
            return f"line {number}:\n      fast: {la.strip()[:100]}\n      full: {lb.strip()[:100]}"
    return f"line counts {len(a.splitlines())} vs {len(b.splitlines())}"


def compare(repo: str, limit: int | None, show: int) -> None:
    started = time.perf_counter()
    blobs = python3_failures(repo, limit)
    print(
        f"{repo}: {len(blobs)} distinct .py blobs do not parse as Python 3 ({time.perf_counter() - started:.1f} s to find)"
    )
    cpu = Counter[str]()
    outcome = Counter[str]()
    modernisers = Counter[str]()
    other_fields = Counter[str]()
    modern_fields = Counter[str]()
    shown = 0
    for sha, data in blobs:
        try:
            text = decode_source(data)
        except (UnicodeDecodeError, LookupError, SyntaxError):
            outcome["not decodable"] += 1
            continue
        t0 = time.process_time()
        mine = fast(text)
        t1 = time.process_time()
        full, fired = fissix_with(None, text)
        t2 = time.process_time()
        syntax, _ = fissix_with(SYNTAX_FIXERS, text)
        t3 = time.process_time()
        cpu["fast"] += t1 - t0
        cpu["full"] += t2 - t1
        cpu["syntax"] += t3 - t2
        if full is None and mine is None:
            outcome["neither translates (not Python 2)"] += 1
            continue
        if mine is None:
            outcome["full only: the scorer falls back to fissix"] += 1
            if shown < show:
                shown += 1
                print(f"  {sha[:10]} fast rewrite gave up or does not parse")
            continue
        if full is None:
            outcome["fast only (fissix fails)"] += 1
            continue
        a, b = scores(mine), scores(full)
        if a is None or b is None:
            outcome["scoring failed"] += 1
            continue
        fields = differing_fields(a, b)
        if not fields:
            outcome["identical scores"] += 1
            continue
        reference = scores(syntax)
        if reference is not None and not differing_fields(a, reference):
            outcome["differs only by fissix's modernising fixers"] += 1
            modern_fields.update(fields)
            modernisers.update(name for name in fired if name not in SYNTAX_CLASSES)
            continue
        outcome["differs otherwise"] += 1
        other_fields.update(fields)
        if shown < show:
            shown += 1
            print(f"  {sha[:10]} differs in {', '.join(fields)}; {first_difference(mine, full)}")
    translated = len(blobs) - outcome["neither translates (not Python 2)"] - outcome["not decodable"]
    print(f"  translated: {translated} of {len(blobs)}")
    for name, count in outcome.most_common():
        print(f"  {count:6d}  {name}")
    if modernisers:
        print(
            "  modernising fixers that fired in those blobs: "
            + ", ".join(f"{n} {c}" for n, c in modernisers.most_common())
        )
    if modern_fields:
        print("  fields they change: " + ", ".join(f"{n} {c}" for n, c in modern_fields.most_common()))
    if other_fields:
        print(
            "  fields of the other differences: "
            + ", ".join(f"{n} {c}" for n, c in other_fields.most_common())
        )
    n = max(len(blobs), 1)
    print(
        f"  CPU per blob: fast {cpu['fast'] / n * 1000:.2f} ms, fissix syntax fixers {cpu['syntax'] / n * 1000:.1f} ms,"
        f" fissix full {cpu['full'] / n * 1000:.1f} ms (full / fast = {cpu['full'] / max(cpu['fast'], 1e-9):.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--limit", type=int, help="at most this many Python 2 blobs per repository")
    parser.add_argument("--show", type=int, default=10, help="list this many differing blobs")
    args = parser.parse_args()
    for repo in args.repos:
        if not Path(repo, ".git").exists() and not Path(repo, "HEAD").exists():
            print(f"{repo}: not a git repository, skipped")
            continue
        compare(repo, args.limit, args.show)


if __name__ == "__main__":
    main()
