"""SZZ (Sliwerski, Zimmermann & Zeller, MSR 2005): which commits induced the bugs a fix fixed.

For each bug-fix commit, the lines it deleted or changed are blamed on its parent: the commits
that last touched them are the bug-inducing candidates. This variant (README, "Delivery signals"):

- the fix's own diff ignores whitespace (`-w`), so re-indenting a line is not "changing" it;
- blank lines and comment-only lines are skipped (they cannot carry the bug);
- blame ignores whitespace (`-w`) and the formatting commits listed in the ignore-revs file
  (`--ignore-revs-file`), so a reformat is looked through to the commit that wrote the code;
- files the fix adds or deletes entirely, binary files and submodules are skipped; merges are
  never fixes.

Speed: the deleted lines of all fixes come from one `git diff-tree --stdin` process; then one
`git blame --porcelain -L ... -L ...` per (fix, file), restricted to the deleted lines, run in a
thread pool (git does the work; the threads only wait on pipes).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qroi.core.files import comment_prefixes
from qroi.core.parallel import default_workers
from qroi.git import patches
from qroi.git.run import run_git
from qroi.store.history import StoredCommit, StoredHistory

_BLAME_HEADER = re.compile(rb"^([0-9a-f]{40}|[0-9a-f]{64}) \d+ (\d+)", re.MULTILINE)
MAX_RANGES = 200  # more -L ranges than this: blame the whole file and keep the wanted lines


def is_noise(line: bytes, path: str) -> bool:
    """A blank line, or a line that is only a comment in the file's language."""
    text = line.decode("utf-8", "replace").strip()
    if not text:
        return True
    prefixes = comment_prefixes(path)
    return text.startswith(prefixes) or (text == "*" and "* " in prefixes)


@dataclass(frozen=True)
class BlameJob:
    """Blame `lines` (old-side line numbers) of `path` at `parent` for the fix `fix_id`."""

    fix_id: int
    parent: str
    path: str
    lines: tuple[int, ...]


def _ranges(lines: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def jobs(git_dir: str, fixes: Sequence[StoredCommit]) -> list[BlameJob]:
    """The deleted, non-blank, non-comment lines of every fix, grouped per file."""
    wanted = [patches.Request(c.sha) for c in fixes if not c.is_merge and c.parents]
    by_sha = {c.sha: c for c in fixes}
    out = []
    for diff in patches.stream(git_dir, wanted, keep_deleted=True, ignore_whitespace=True):
        if diff.binary or diff.old_blob is None or diff.new_blob is None or diff.mode == "160000":
            continue
        path = diff.old_path or diff.path or ""
        lines = [
            hunk.old_start + i
            for hunk in diff.hunks
            for i, text in enumerate(hunk.deleted)
            if not is_noise(text, path)
        ]
        if lines:
            fix = by_sha[diff.sha]
            out.append(BlameJob(fix.id, fix.parents[0], path, tuple(lines)))
    return out


def blame(git_dir: str, job: BlameJob, ignore_revs: Path | None) -> Counter[str]:
    """Lines of the job per commit that last touched them, from one `git blame --porcelain -w`."""
    ranges = _ranges(job.lines)
    cmd = [
        "-c",
        "blame.ignoreRevsFile=",
        "-c",
        "blame.markUnblamableLines=false",
        "-c",
        "blame.markIgnoredLines=false",
        "--git-dir",
        git_dir,
        "blame",
        "--porcelain",
        "-w",
    ]
    if ignore_revs is not None:
        cmd += ["--ignore-revs-file", str(ignore_revs)]
    if len(ranges) <= MAX_RANGES:
        cmd += [arg for lo, hi in ranges for arg in ("-L", f"{lo},{hi}")]
    cmd += [job.parent, "--", job.path]
    proc = run_git(cmd, what=f"git blame failed for {job.path} at {job.parent[:12]}")
    wanted = set(job.lines)
    found: Counter[str] = Counter()
    for match in _BLAME_HEADER.finditer(proc.stdout):
        if int(match.group(2)) in wanted:
            found[match.group(1).decode()] += 1
    return found


def compute(
    git_dir: str,
    history: StoredHistory,
    fixes: Sequence[StoredCommit],
    ignore_revs: Path | None,
    workers: int | None = None,
) -> tuple[list[tuple[int, int, str, int]], int]:
    """Bug-inducing links (fix id, inducing id, path, lines) of the fixes, and how many blames ran."""
    todo = jobs(git_dir, fixes)
    links: list[tuple[int, int, str, int]] = []
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        results = pool.map(lambda job: blame(git_dir, job, ignore_revs), todo)
        for job, found in zip(todo, results, strict=True):
            for sha, lines in sorted(found.items()):
                inducing = history.by_sha.get(sha)
                if inducing is not None and inducing.id != job.fix_id:
                    links.append((job.fix_id, inducing.id, job.path, lines))
    return links, len(todo)
