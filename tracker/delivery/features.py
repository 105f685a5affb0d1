"""Just-in-time commit features (Kamei et al., TSE 2013) and the complexity delta of a commit.

Kamei's fourteen features describe a change by its size and spread (NS, ND, NF, Entropy, LA,
LD, LT), its purpose (FIX), the history of the files it touches (NDEV, AGE, NUC) and its author's
experience (EXP, REXP, SEXP). They are the standard covariates of defect prediction: an analysis
that asks whether quality pays has to show that quality matters beyond them.

Definitions, exactly (README, "Delivery signals"): "before" means earlier in the store's
canonical topological order (generation, committed time, sha), so a commit's features depend only
on the commits ordered before it and an incremental ingest equals a fresh one. Times are author
times. Renames carry a file's history to its new path. Merges carry no churn and get no
features. FIX is a query-time column (`is_bugfix`, or linked to a bug issue), because issues can
be imported after the commits.

One pass, in order, keeps the whole state in memory: per path its developers, commits and last
change; per author the times of their commits and the subsystem sets they touched.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from qroi.core.files import is_scored_path
from qroi.store.history import StoredChange, StoredCommit, StoredHistory

DAY = 86_400
YEAR = 365 * DAY


def subsystem(path: str) -> str:
    """Kamei's subsystem: the root directory name ('' for files at the top level)."""
    head, sep, _ = path.partition("/")
    return head if sep else ""


def directory(path: str) -> str:
    return path.rpartition("/")[0]


def count_lines(data: bytes) -> int:
    """Lines as `git diff --numstat` counts them: a last line without a newline still counts."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


class LineCounter:
    """Lines in a blob, derived from the stored changes without reading git where possible.

    A change turns `old_blob` into `new_blob` with `added`/`deleted` lines, so
    lines(new) = lines(old) + added - deleted, back to a file's creation. Blobs no stored change
    explains (made by a merge, or binary) are read from git once.
    """

    def __init__(self, history: StoredHistory, read_blob: Callable[[str], bytes]) -> None:
        self.read_blob = read_blob
        self.known: dict[str, int] = {}
        self.creator: dict[str, tuple[str | None, int, int]] = {}
        for commit in history.commits:
            for ch in commit.changes:
                if (
                    ch.new_blob
                    and ch.new_blob != ch.old_blob
                    and ch.added is not None
                    and ch.deleted is not None
                ):
                    self.creator.setdefault(ch.new_blob, (ch.old_blob, ch.added, ch.deleted))

    def __call__(self, blob: str | None) -> int:
        if blob is None:
            return 0
        chain: list[tuple[str, int]] = []
        seen: set[str] = set()
        current: str | None = blob
        base = 0
        while current is not None:
            if current in self.known:
                base = self.known[current]
                break
            step = self.creator.get(current)
            if step is None or current in seen:
                base = self.known[current] = count_lines(self.read_blob(current))
                break
            seen.add(current)
            chain.append((current, step[1] - step[2]))
            current = step[0]
        for sha, delta in reversed(chain):
            base += delta
            self.known[sha] = base
        return self.known[blob]


@dataclass(slots=True)
class _FileHistory:
    developers: set[str] = field(default_factory=set)
    commits: set[int] = field(default_factory=set)
    last_ts: int = 0


@dataclass
class _Author:
    times: list[int] = field(default_factory=list)  # sorted author times of earlier commits
    subsystems: Counter[frozenset[str]] = field(default_factory=Counter)


def entropy(churn: Iterable[int]) -> float:
    """Shannon entropy (bits) of the modified lines over files; 0 for one file or no lines."""
    values = [v for v in churn if v > 0]
    if len(values) < 2:
        return 0.0  # never -0.0: PostgreSQL would store it as 0.0 and the stores would differ
    total = sum(values)
    return -sum(v / total * math.log2(v / total) for v in values)


def recent_experience(times: list[int], now: int) -> float:
    """REXP: earlier commits weighted 1/(n+1), n = their age in whole years (365 days)."""
    total, k, newer = 0.0, 0, len(times)
    while newer:
        older = bisect_right(times, now - (k + 1) * YEAR)
        total += (newer - older) / (k + 1)
        newer, k = older, k + 1
    return total


class Kamei:
    """The running state of one pass over a history; `feed` every commit in canonical order."""

    def __init__(self, lines: Callable[[str | None], int]) -> None:
        self.lines = lines
        self.files: dict[str, _FileHistory] = {}
        self.authors: dict[str, _Author] = {}

    def features(self, commit: StoredCommit) -> dict[str, Any]:
        """The features of `commit` from the state before it (call before `feed`)."""
        changes = commit.changes
        if commit.is_merge:
            return {}
        t = commit.authored_ts
        subsystems = {subsystem(c.path) for c in changes}
        developers: set[str] = set()
        earlier: set[int] = set()
        ages = []
        for change in changes:
            past = self.files.get(_identity(change))
            if past is not None:
                developers |= past.developers
                earlier |= past.commits
                ages.append(max(0, t - past.last_ts))
        author = self.authors.get(commit.author) or _Author()
        return {
            "ns": len(subsystems),
            "nd": len({directory(c.path) for c in changes}),
            "nf": len(changes),
            "entropy": entropy((c.added or 0) + (c.deleted or 0) for c in changes),
            "la": sum(c.added or 0 for c in changes),
            "ld": sum(c.deleted or 0 for c in changes),
            "lt": sum(self.lines(c.old_blob) for c in changes if c.old_blob and c.added is not None),
            "ndev": len(developers),
            "age_days": sum(ages) / len(ages) / DAY if ages else None,
            "nuc": len(earlier),
            "exp": len(author.times),
            "rexp": recent_experience(author.times, t),
            "sexp": sum(n for touched, n in author.subsystems.items() if touched & subsystems),
        }

    def feed(self, commit: StoredCommit) -> None:
        """Add `commit` to the state (after its own features were taken)."""
        if commit.is_merge or not commit.changes:
            return
        t = commit.authored_ts
        for change in commit.changes:
            key = _identity(change)
            moved = self.files.pop(key, None) if key != change.path else None
            past = moved or self.files.get(change.path) or _FileHistory()
            past.developers.add(commit.author)
            past.commits.add(commit.id)
            past.last_ts = max(past.last_ts, t)
            self.files[change.path] = past
        author = self.authors.setdefault(commit.author, _Author())
        insort(author.times, t)
        author.subsystems[frozenset(subsystem(c.path) for c in commit.changes)] += 1


def _identity(change: StoredChange) -> str:
    """The path under which a file's history is kept before this change (the old one for renames)."""
    return change.old_path if change.change_type == "rename" and change.old_path else change.path


def cc_delta(commit: StoredCommit, cc: dict[str, int | None]) -> int | None:
    """Summed Radon complexity of the touched Python files after minus before the commit.

    From the stored scores of the old and new blobs (no rescoring). NULL for merges, for commits
    that touch no Python file, and when a touched Python blob could not be scored. Blobs with no
    score at all (a symlink named *.py) contribute nothing, as in the `py_*` sums.
    """
    sides = []
    for change in commit.changes:
        if change.is_python:
            sides.append((change.new_blob, 1))
        if is_scored_path(change.old_path or change.path):
            sides.append((change.old_blob, -1))
    if commit.is_merge or not sides:
        return None
    total = 0
    for blob, sign in sides:
        if blob is None or blob not in cc:
            continue
        value = cc[blob]
        if value is None:
            return None
        total += sign * value
    return total


def compute(
    history: StoredHistory, start: int, lines: Callable[[str | None], int], cc: dict[str, int | None]
) -> dict[int, dict[str, Any]]:
    """Features of the commits from canonical position `start` on, replaying those before it."""
    state = Kamei(lines)
    out: dict[int, dict[str, Any]] = {}
    for commit in history.commits:
        if commit.index >= start:
            out[commit.id] = {**state.features(commit), "cc_delta": cc_delta(commit, cc)}
        state.feed(commit)
    return out
