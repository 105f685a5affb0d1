"""Benchmark `tracker.lineops.classify` on a whole history, fed from one `git log -p -U0` stream.

Usage: python bench/lineops.py [REPO] [--commits N]

Without REPO a `large` sample repository of N commits (default 2000) is built in a temp dir.
Printed: the floor (git producing the `-U0` patch stream), then parsing the stream into file
diffs, keeping every file's lines and the tree's window index up to date along the walk, and
classifying every non-merge commit; commits/s and changed lines/s for each, each as a ratio to
the floor, and the history's line-operation shares.

The walk lives here, not in `tracker`, because the product will be fed by `tracker.patches`
(one `git diff-tree --stdin`), once it keeps the text of added lines; tests/test_ai_scenario.py
uses this walk to check the classifier against the `ai_era` scenario's planted truth, so what
this measures is what the tests check.

Tree state: each commit's tree is a dict {path: tuple of lines}, built from its first parent's
by applying the commit's hunks (`lineops.apply_hunks`); unchanged files share their tuple, so a
`WindowIndex.sync` re-hashes only what changed, and a snapshot is dropped once all its
children are walked. Merges update the tree (their first-parent diff) but are not classified:
their lines were written by the commits they merge.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_repos.build import build  # noqa: E402
from tracker.duplication import WindowIndex  # noqa: E402
from tracker.lineops import (  # noqa: E402
    OPERATIONS,
    SKIPPED_MODES,
    CommitOps,
    FileDiff,
    Hunk,
    LineOps,
    LineOpsConfig,
    apply_hunks,
    classify,
)
from tracker.miner import neutral_config  # noqa: E402
from tracker.patches import unquote  # noqa: E402

Tree = dict[str, tuple[bytes, ...]]


def log_command(repo: Path, rev: str = "HEAD") -> list[str]:
    """Every commit, parents first, as a `-U0` patch against its first parent, with rename detection."""
    return ["git", *neutral_config(), "-C", str(repo), "log", "--topo-order", "--reverse", "-p", "-U0", "-M",
            "--full-index", "--no-color", "--no-textconv", "--no-ext-diff", "--diff-merges=first-parent",
            "--src-prefix=a/", "--dst-prefix=b/", "--format=%x00%H %P", rev]  # fmt: skip


def _path(raw: bytes, prefix: bytes) -> str | None:
    name = unquote(raw)
    if name == "/dev/null":
        return None
    return name[len(prefix) :] if name.startswith(prefix.decode()) else name


def parse(lines: Iterable[bytes]) -> Iterator[tuple[str, tuple[str, ...], list[FileDiff]]]:
    """(sha, parents, file diffs with both sides' text) per commit of a `log_command` stream."""
    sha, parents = "", ()
    diffs: list[FileDiff] = []
    current: FileDiff | None = None
    stream = iter(lines)
    for raw in stream:
        line = raw.rstrip(b"\n")
        if line.startswith(b"\0"):
            if sha:
                yield sha, parents, diffs
            fields = line[1:].decode().split()
            sha, parents, diffs, current = fields[0], tuple(fields[1:]), [], None
        elif line.startswith(b"diff --git "):
            path = _header_path(line[len(b"diff --git ") :])
            current = FileDiff(path, path)
            diffs.append(current)
        elif current is None:
            continue
        elif line.startswith(b"@@ "):
            old, new = line.split(b" ")[1:3]
            old_start, _, old_len = old[1:].partition(b",")
            new_start, _, new_len = new[1:].partition(b",")
            hunk = Hunk(int(old_start), int(old_len or 1), int(new_start), int(new_len or 1))
            while len(hunk.deleted) < hunk.old_len or len(hunk.added) < hunk.new_len:
                text = next(stream).rstrip(b"\n")
                if text[:1] == b"-":
                    hunk.deleted.append(text[1:])
                elif text[:1] == b"+":
                    hunk.added.append(text[1:])
            current.hunks.append(hunk)
        elif line.startswith(b"--- "):
            current.old_path = _path(line[4:], b"a/")
        elif line.startswith(b"+++ "):
            current.new_path = _path(line[4:], b"b/")
        elif line.startswith(b"rename from "):
            current.old_path = unquote(line[12:])
        elif line.startswith(b"rename to "):
            current.new_path = unquote(line[10:])
        elif line.startswith(b"Binary files "):
            current.binary = True
        elif line.startswith((b"new file mode ", b"deleted file mode ", b"new mode ")):
            current.mode = line.rsplit(b" ", 1)[1].decode()
            if line.startswith(b"new file"):
                current.old_path = None
            elif line.startswith(b"deleted file"):
                current.new_path = None
        elif line.startswith(b"index ") and b" " in line[6:]:
            current.mode = line.rsplit(b" ", 1)[1].decode()
    if sha:
        yield sha, parents, diffs


def _header_path(names: bytes) -> str | None:
    """The path of `a/P b/P` (a diff without ---/+++ lines: pure rename, mode change, empty file).

    Renames name their paths in `rename from/to` lines, which override this; a header whose two
    names differ is one of those, so None is returned for it.
    """
    if names.startswith(b'"'):
        end = names.index(b'" ', 1) + 1
        a, b = unquote(names[:end]), unquote(names[end + 1 :])
    else:
        half = (len(names) - 1) // 2
        a, b = unquote(names[:half]), unquote(names[half + 1 :])
    return a[2:] if a[2:] == b[2:] and a.startswith("a/") and b.startswith("b/") else None


@dataclass
class Classified:
    """One walked commit: its diffs, for non-merges their classification, and the tree after it."""

    sha: str
    parents: tuple[str, ...]
    diffs: list[FileDiff]
    result: CommitOps | None
    tree: Tree


@dataclass
class Walk:
    """Walks a history, keeping trees and the window index, classifying commits; times each part."""

    repo: Path
    config: LineOpsConfig = field(default_factory=LineOpsConfig)
    seconds: Counter[str] = field(default_factory=Counter)
    head_tree: Tree = field(default_factory=dict)

    def commits(self, rev: str = "HEAD") -> Iterator[Classified]:
        children = Counter(p for line in _git(self.repo, "rev-list", "--parents", rev).splitlines()
                           for p in line.split()[1:])  # fmt: skip
        trees: dict[str, Tree] = {}
        index = WindowIndex(self.config.min_copy)
        proc = subprocess.Popen(log_command(self.repo, rev), stdout=subprocess.PIPE)
        assert proc.stdout is not None
        clock = time.perf_counter()
        last = ""
        for sha, parents, diffs in parse(proc.stdout):
            parsed = time.perf_counter()
            self.seconds["parse"] += parsed - clock
            before = trees[parents[0]] if parents else {}
            index.sync(before)
            synced = time.perf_counter()
            result = None if len(parents) > 1 else classify(diffs, index, self.config)
            classified = time.perf_counter()
            trees[sha] = _apply(before, diffs)
            for parent in parents:
                children[parent] -= 1
                if children[parent] <= 0:
                    trees.pop(parent, None)
            last = sha
            self.seconds["tree"] += (synced - parsed) + (time.perf_counter() - classified)
            self.seconds["classify"] += classified - synced
            yield Classified(sha, parents, diffs, result, trees[sha])
            clock = time.perf_counter()  # the consumer's time between commits is nobody's
        if proc.wait() != 0:
            raise RuntimeError(f"git log failed in {self.repo}")
        self.head_tree = trees.get(last, {})


def _apply(before: Tree, diffs: list[FileDiff]) -> Tree:
    """The tree after a commit: text files' lines from the diffs; binaries, symlinks, submodules left out."""
    tree = dict(before)
    for diff in diffs:
        old = tree.pop(diff.old_path, ()) if diff.old_path else ()
        if diff.new_path is None or diff.binary or diff.mode in SKIPPED_MODES:
            continue
        tree[diff.new_path] = tuple(apply_hunks(old, diff.hunks)) if diff.hunks else old
    return tree


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _floor(repo: Path) -> float:
    started = time.perf_counter()
    subprocess.run(log_command(repo), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qroi-bench-lineops-") as tmp:
        repo = args.repo or build("large", Path(tmp) / "large", commits=args.commits)
        count = int(_git(repo, "rev-list", "--count", "HEAD"))
        print(f"repository: {repo} ({count:,} commits)")
        floor = _floor(repo)
        walk = Walk(repo)
        total, classified, files = LineOps(), 0, 0
        duplicated = 0
        for item in walk.commits():
            if item.result is not None:
                classified += 1
                files += len(item.result.files)
                total.add(item.result.ops)
                duplicated += item.result.duplicated_block
        lines = total.lines_added + total.lines_deleted
        print(f"floor: git log -p -U0 of the history        {floor:7.2f} s")
        for part, what in (("parse", "parse the stream into file diffs"), ("tree", "trees + window index"),
                           ("classify", "classify (lineops.classify)")):  # fmt: skip
            secs = walk.seconds[part]
            print(f"{what:<44} {secs:7.2f} s  {classified / secs:9,.0f} commits/s  {lines / secs:11,.0f} lines/s"
                  f"  ({secs / floor:.2f}x the floor)")  # fmt: skip
        print(f"classified {classified:,} commits ({count - classified:,} merges), {files:,} files, "
              f"{lines:,} changed lines; {duplicated:,} commits with a duplicated block")
        shares = ", ".join(f"{op} {total.share(op):.1%}" for op in OPERATIONS)
        print(f"line operations: {total.operations:,} ({shares}); trivial lines {total.trivial_added + total.trivial_deleted:,}")


if __name__ == "__main__":
    main()
