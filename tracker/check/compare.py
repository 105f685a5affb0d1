"""Compare the Python files a change touched, base against head, with qroi's own scorer.

Every number is the scorer's (`qroi.scoring.scorer.score_blob`, Radon's metrics), so a function's
complexity in `qroi check` is the one `qroi export functions` shows once the change is ingested.
Functions are matched by qualified name (class and name; the n-th of several same-named ones
with the n-th), so a function that moved within its file is the same function, and a renamed
file (git's rename detection) is compared with its old self.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radon.complexity import cc_rank

from qroi.ai.duplication import WINDOW, split_lines
from qroi.check.duplicates import added_blocks
from qroi.check.findings import FAIL_ON, Finding, fingerprint
from qroi.core.errors import QroiError
from qroi.core.files import is_notebook_path, is_python_path, is_scored_path
from qroi.git.changes import WORKTREE, ChangedFile, changed_files, read_work_file
from qroi.git.repository import GitRepo
from qroi.git.run import run_git
from qroi.scoring.notebooks import score_source
from qroi.scoring.scorer import BlobScore

RANKS = "ABCDEF"


@dataclass(frozen=True)
class CheckOptions:
    """Thresholds: the Radon rank a function must reach to be reported, the MI drop that counts."""

    rank: str = "C"
    mi_drop: float = 5.0
    window: int = WINDOW

    def validate(self) -> None:
        if self.rank not in RANKS:
            raise QroiError(f"--rank must be one of {', '.join(RANKS)}, not {self.rank!r}")
        if self.mi_drop < 0:
            raise QroiError(f"--mi-drop must be 0 or more points, not {self.mi_drop:g}")


@dataclass(frozen=True)
class HotspotFact:
    """Where a file stands in the store's hotspot ranking (`qroi.read.hotspots`)."""

    rank: int
    of: int
    commits: int
    bugfix_commits: int


@dataclass(frozen=True)
class StoreContext:
    """What a store with this repository's history adds: its hotspots and the claim test's word."""

    repo: str
    hotspots: dict[str, HotspotFact]
    claim: str
    """One sentence: what the claim test found about files like the hotspots, or why it could not say."""


@dataclass(frozen=True)
class FileDelta:
    """One touched Python file: its MI on each side and why a side could not be scored."""

    path: str
    old_path: str | None
    status: str
    mi_base: float | None
    mi_head: float | None
    functions_base: int
    functions_head: int
    error: str | None = None


@dataclass
class CheckReport:
    """Everything one check found; `failed(fail_on)` is the gate."""

    base: str
    head: str
    base_sha: str
    head_sha: str
    files: list[FileDelta]
    findings: list[Finding]
    options: CheckOptions
    changed_paths: int
    seconds: float = 0.0
    context: StoreContext | None = None
    notes: list[str] = field(default_factory=list)

    def failed(self, fail_on: str) -> bool:
        return any(f.level in FAIL_ON[fail_on] for f in self.findings)

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "base_sha": self.base_sha,
            "head_sha": self.head_sha,
            "rank_threshold": self.options.rank,
            "mi_drop": self.options.mi_drop,
            "changed_paths": self.changed_paths,
            "python_files": [vars(f) for f in self.files],
            "findings": [f.to_dict() for f in self.findings],
            "store": None
            if self.context is None
            else {"repo": self.context.repo, "claim": self.context.claim},
            "notes": self.notes,
        }


def _qualified(fn: dict[str, Any]) -> str:
    return f"{fn['class_name']}.{fn['name']}" if fn.get("class_name") else str(fn["name"])


def _by_name(functions: Iterable[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Functions keyed by (qualified name, occurrence), so same-named ones pair up in order."""
    seen: dict[str, int] = defaultdict(int)
    keyed = {}
    for fn in sorted(functions, key=lambda f: f["lineno"]):
        name = _qualified(fn)
        keyed[(name, seen[name])] = fn
        seen[name] += 1
    return keyed


def _past(complexity: int, rank: str) -> bool:
    return cc_rank(complexity) >= rank


def function_findings(
    path: str, base: BlobScore | None, head: BlobScore, options: CheckOptions
) -> list[Finding]:
    """New or more complex functions past the rank threshold, in one file."""
    before = _by_name(base.functions) if base is not None and base.error_kind is None else {}
    found = []
    for key, fn in _by_name(head.functions).items():
        cc, name = fn["complexity"], key[0]
        if not _past(cc, options.rank):
            continue
        old = before.get(key)
        details = {"function": name, "complexity": cc, "rank": cc_rank(cc)}
        if old is None or not _past(old["complexity"], options.rank):
            was = "new" if old is None else f"was {old['complexity']} ({cc_rank(old['complexity'])})"
            message = f"{name} has cyclomatic complexity {cc} (rank {cc_rank(cc)}; {was})"
            level, rule = "new", "QROI001"
        elif cc > old["complexity"]:
            message = f"{name} got more complex: {old['complexity']} -> {cc} (rank {cc_rank(cc)})"
            level, rule = "worse", "QROI002"
        else:
            continue
        if old is not None:
            details["complexity_base"] = old["complexity"]
        found.append(
            Finding(
                rule,
                level,
                path,
                fn["lineno"],
                fn["endline"],
                message,
                fingerprint(rule, path, name),
                details,
            )
        )
    return found


def _mi_finding(path: str, base: BlobScore | None, head: BlobScore, options: CheckOptions) -> Finding | None:
    if base is None or base.error_kind or head.error_kind:
        return None
    before, after = base.metrics["mi"], head.metrics["mi"]
    if before - after <= options.mi_drop:
        return None
    message = f"maintainability index dropped {before - after:.1f} points: {before:.1f} -> {after:.1f} (rank {head.metrics['mi_rank']})"
    details = {"mi_base": before, "mi_head": after}
    return Finding("QROI003", "worse", path, 1, 1, message, fingerprint("QROI003", path), details)


class _Side:
    """One side of the comparison: a commit's Python files (path -> blob id), read on demand."""

    def __init__(self, repo: GitRepo, sha: str) -> None:
        self.repo = repo
        self.blobs = dict(repo.python_files(sha, is_scored_path))

    def read(self, path: str) -> bytes | None:
        blob = self.blobs.get(path)
        return None if blob is None else self.repo.read_blob(blob)


def _score(path: str, blob: str, data: bytes) -> BlobScore:
    return score_source(blob, data, is_notebook_path(path))


def _work_tree(path: Path) -> str | None:
    proc = run_git(["rev-parse", "--show-toplevel"], cwd=str(path), check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def run_check(
    path: Path,
    base: str,
    head: str = "HEAD",
    options: CheckOptions | None = None,
    context: StoreContext | None = None,
) -> CheckReport:
    """Compare `head` (a revision, or WORKTREE) with `base` in the repository at `path`."""
    options = options or CheckOptions()
    options.validate()
    started = time.perf_counter()
    with GitRepo(path) as repo:
        base_sha = repo.resolve(base)
        head_sha = WORKTREE if head == WORKTREE else repo.resolve(head)
        work_tree = _work_tree(path) if head == WORKTREE else None
        changes = changed_files(repo.git_dir, base_sha, head_sha, work_tree)
        before = _Side(repo, base_sha)
        after = None if head == WORKTREE else _Side(repo, head_sha)
        touched = [
            c for c in changes if is_scored_path(c.path) or (c.old_path and is_scored_path(c.old_path))
        ]

        def head_bytes(change: ChangedFile) -> bytes | None:
            if change.status == "D" or not is_scored_path(change.path):
                return None
            if after is None:
                assert work_tree is not None
                return read_work_file(work_tree, change.path)
            return after.read(change.path)

        base_lines = {p: split_lines(repo.read_blob(b)) for p, b in before.blobs.items() if is_python_path(p)}
        head_lines = dict(base_lines)
        files: list[FileDelta] = []
        findings: list[Finding] = []
        new_paths: dict[str, str | None] = {}
        for change in touched:
            old = (
                before.read(change.old_path) if change.old_path and change.old_path in before.blobs else None
            )
            new = head_bytes(change)
            if change.old_path:
                head_lines.pop(change.old_path, None)
            base_score = (
                None if old is None else _score(str(change.old_path), before.blobs[str(change.old_path)], old)
            )
            if new is None:
                files.append(
                    FileDelta(change.path, change.old_path, "D", _mi(base_score), None, _count(base_score), 0)
                )
                continue
            if is_python_path(
                change.path
            ):  # duplicated blocks: Python modules, as qroi's measure counts them
                head_lines[change.path] = split_lines(new)
                new_paths[change.path] = change.old_path if change.old_path in base_lines else None
            head_score = _score(change.path, f"{head}:{change.path}", new)
            error = head_score.error_kind and f"{head_score.error_kind}: {head_score.error}"
            files.append(
                FileDelta(
                    change.path,
                    change.old_path,
                    change.status,
                    _mi(base_score),
                    _mi(head_score),
                    _count(base_score),
                    _count(head_score),
                    error,
                )
            )
            if head_score.error_kind:
                continue
            findings += function_findings(change.path, base_score, head_score, options)
            dropped = _mi_finding(change.path, base_score, head_score, options)
            if dropped:
                findings.append(dropped)
        for block in added_blocks(base_lines, head_lines, new_paths, options.window):
            message = f"lines {block.line}-{block.end_line} duplicate code also at {block.other_path}:{block.other_line}"
            details = {"other_path": block.other_path, "other_line": block.other_line}
            findings.append(
                Finding(
                    "QROI004",
                    "new",
                    block.path,
                    block.line,
                    block.end_line,
                    message,
                    fingerprint("QROI004", block.path, block.digest),
                    details,
                )
            )
    if context is not None:
        findings += _hotspot_notes(files, context)
    findings.sort(key=lambda f: (f.path, f.line, f.rule))
    return CheckReport(
        base,
        head,
        base_sha,
        head_sha,
        files,
        findings,
        options,
        len(changes),
        time.perf_counter() - started,
        context,
    )


def _mi(score: BlobScore | None) -> float | None:
    return None if score is None or score.error_kind else score.metrics["mi"]


def _count(score: BlobScore | None) -> int:
    return 0 if score is None or score.error_kind else len(score.functions)


def _hotspot_notes(files: list[FileDelta], context: StoreContext) -> list[Finding]:
    notes = []
    for delta in files:
        fact = context.hotspots.get(delta.old_path or delta.path) or context.hotspots.get(delta.path)
        if fact is None or delta.mi_head is None:
            continue
        message = (
            f"hotspot #{fact.rank} of {fact.of} in {context.repo}: {fact.commits} commits,"
            f" {fact.bugfix_commits} of them bug fixes. {context.claim}"
        )
        details = {"hotspot_rank": fact.rank, "commits": fact.commits, "bugfix_commits": fact.bugfix_commits}
        notes.append(
            Finding("QROI005", "info", delta.path, 1, 1, message, fingerprint("QROI005", delta.path), details)
        )
    return notes
