"""Benchmark `qroi.ai.lineops.classify` on a whole history, alone and inside `qroi ingest`.

Usage: python bench/lineops.py [REPO] [--commits N] [--pipeline]

Without REPO a `large` sample repository of N commits (default 2000) is built in a temp dir.
Printed: the floor (git alone producing the `-U0` patch stream: the product's own
`git diff-tree --stdin` invocation, `qroi.git.patches.command`, fed the walk's requests), then
parsing the stream into file diffs (`qroi.git.patches`, waiting on git included), keeping every
file's lines and the tree's window index up to date along the walk, and classifying every
non-merge commit; commits/s and changed lines/s for each, each as a ratio to the floor, and the
history's line-operation shares.

With `--pipeline`, the same history is also ingested by the product, in a process of its own:
the AI-era step (`qroi.ai.ai_step`: one `git diff-tree --stdin` stream through `qroi.git.patches`,
trees, window index, classification, churn, declarations, tree duplication) is timed part by part
from its own report, against the whole ingest (what it adds), with the ingest's peak RSS; then
the step runs again alone on the stored history, in a fresh process, for its own peak memory.

This file's walk reads the history as the pipeline does (one `qroi.git.patches.stream`, every
commit parents first, a merge diffed against each parent) but leaves out all the pipeline adds
around the classifier (stored history, churn, declarations, rows), so the classifier is measured
alone: tests/test_ai_scenario.py uses it to check the classifier against the `ai_era`
scenario's planted truth, and tests/test_ai_era.py checks the pipeline against the same truth.

Tree state: each commit's tree is a dict {path: tuple of lines}, built from its first parent's
by applying the commit's hunks (`lineops.tree_after`); unchanged files share their tuple, so a
`WindowIndex.sync` re-hashes only what changed, and a snapshot is dropped once all its
children are walked. Merges update the tree (their first-parent diff) but are not classified:
their lines were written by the commits they merge.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.ai.duplication import WindowIndex
from qroi.ai.lineops import (
    OPERATIONS,
    CommitOps,
    LineOps,
    LineOpsConfig,
    Tree,
    classify,
    tree_after,
)
from qroi.git import patches
from qroi.git.patches import FilePatch
from qroi.sample_repos.build import build


def history(repo: Path, rev: str = "HEAD") -> list[tuple[str, tuple[str, ...]]]:
    """Every commit with its parents, parents first: a tree is built from its first parent's."""
    listing = _git(repo, "rev-list", "--topo-order", "--reverse", "--parents", rev)
    return [(sha, tuple(parents)) for sha, *parents in (line.split() for line in listing.splitlines())]


def requests(commits: list[tuple[str, tuple[str, ...]]]) -> list[patches.Request]:
    """What the product asks diff-tree for: a commit against its first parent, a merge against each parent."""
    return [request for sha, parents in commits for request in patches.requests(sha, parents)]


@dataclass
class Classified:
    """One walked commit: its diffs against its first parent, for non-merges their classification,
    and the tree after it."""

    sha: str
    parents: tuple[str, ...]
    diffs: list[FilePatch]
    result: CommitOps | None
    tree: Tree


@dataclass
class Walk:
    """Walks a history, keeping trees and the window index, classifying commits; times each part.

    The diffs come from the product's own stream (`qroi.git.patches.stream`, fed what the AI-era
    step feeds it: a merge against each of its parents), so what is measured and tested here is
    what `qroi ingest` parses. Only the first-parent diffs are classified and applied to the tree;
    a merge's other diffs are read (the product needs them for churn) and dropped.
    """

    repo: Path
    config: LineOpsConfig = field(default_factory=LineOpsConfig)
    seconds: Counter[str] = field(default_factory=Counter)
    head_tree: Tree = field(default_factory=dict)

    def commits(self, rev: str = "HEAD") -> Iterator[Classified]:
        commits = history(self.repo, rev)
        children = Counter(p for _, parents in commits for p in parents)
        trees: dict[str, Tree] = {}
        index = WindowIndex(self.config.min_copy)
        stream = patches.stream(git_dir(self.repo), requests(commits), keep_deleted=True, keep_added=True)
        clock = time.perf_counter()
        groups = groupby(stream, key=attrgetter("sha"))  # a commit with an empty diff has no group
        upcoming = next(groups, None)
        last = ""
        for sha, parents in commits:
            diffs: list[FilePatch] = []
            if upcoming is not None and upcoming[0] == sha:
                diffs = [d for d in upcoming[1] if d.parent == 0]  # consumes the group before moving on
                upcoming = next(groups, None)
            parsed = time.perf_counter()
            self.seconds["parse"] += parsed - clock
            before = trees[parents[0]] if parents else {}
            index.sync(before)
            synced = time.perf_counter()
            result = None if len(parents) > 1 else classify(diffs, index, self.config)
            classified = time.perf_counter()
            trees[sha] = tree_after(before, diffs)
            for parent in parents:
                children[parent] -= 1
                if children[parent] <= 0:
                    trees.pop(parent, None)
            last = sha
            self.seconds["tree"] += (synced - parsed) + (time.perf_counter() - classified)
            self.seconds["classify"] += classified - synced
            yield Classified(sha, parents, diffs, result, trees[sha])
            clock = time.perf_counter()  # the consumer's time between commits is nobody's
        if upcoming is not None:  # patches.stream checks its order; this only guards the grouping
            raise RuntimeError(f"diffs of {upcoming[0]} left over after the walk of {self.repo}")
        self.head_tree = trees.get(last, {})


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def git_dir(repo: Path) -> str:
    """The repository's git directory (what `qroi.git.patches` takes), for a work tree or a bare repository."""
    return _git(repo, "rev-parse", "--absolute-git-dir").strip()


def _floor(repo: Path) -> float:
    """Git alone: the product's diff-tree invocation fed the walk's requests, its patches discarded."""
    wanted = b"".join(request.line() for request in requests(history(repo)))
    started = time.perf_counter()
    subprocess.run(patches.command(git_dir(repo)), input=wanted, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


INGEST = """
import json, resource, sys, time
from qroi.store import database
from qroi.ingest.pipeline import IngestOptions, ingest
result = ingest(database.connect(sys.argv[2]), sys.argv[1], IngestOptions(workers=int(sys.argv[3]) or None))
print(json.dumps({"seconds": result.seconds, "commits": result.commits_added, "ai": result.ai.seconds,
                  "classified": result.ai.classified, "lines": result.ai.changed_lines,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
STEP_ALONE = """
import json, sys
from sqlalchemy import delete
from qroi.ai import ai_step
from qroi.store import models
from qroi.store import database
from qroi.git.repository import GitRepo
engine = database.connect(sys.argv[2])
with engine.begin() as conn:
    rid = conn.execute(models.Repo.__table__.select()).first().id
    for table in (models.CommitLineOps, models.AiDeclaration, models.TreeDuplication, models.AiState):
        conn.execute(delete(table).where(table.repo_id == rid))
    head = conn.execute(models.Repo.__table__.select()).first().head_sha
def status(key):  # kB lines of /proc/self/status: VmRSS now, VmHWM the peak since the last reset
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key)) / 1024
with open("/proc/self/clear_refs", "w") as handle:  # reset the peak: only the step's own counts
    handle.write("5")
before = status("VmRSS:")
with GitRepo(sys.argv[1]) as git:
    report = ai_step.refresh(engine, git, rid, head, ai_step.AiOptions())
print(json.dumps({"before_mb": before, "peak_mb": status("VmHWM:"), "seconds": report.total_seconds}))
"""


def _python(script: str, *args: str) -> dict[str, float]:
    """Run a script in a fresh interpreter (its own peak RSS) and read the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pipeline run failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def pipeline(repo: Path, work: Path, workers: int) -> None:
    """The AI-era step inside `qroi ingest`: its parts, what it adds to the ingest, and memory."""
    db = work / "pipeline.db"
    run = _python(INGEST, str(repo), str(db), str(workers))
    ai = run["ai"]
    step = sum(v for k, v in ai.items() if not k.startswith("lineops."))
    commits, lines = run["classified"], run["lines"]
    print(
        f"\nqroi ingest of {run['commits']:,} commits: {run['seconds']:.2f} s, peak RSS {run['rss_mb']:.0f} MB "
        f"(main process)"
    )
    print(
        f"AI-era step: {step:.2f} s = {step / run['seconds']:.1%} of the ingest "
        f"({step / (run['seconds'] - step):.1%} added to the rest of it)"
    )
    parts = (
        ("lineops.diffs", "git diff-tree -p stream + parsing"),
        ("lineops.trees", "trees + window index"),
        ("lineops.classify", "classify (lineops.classify)"),
        ("lineops.churn", "churn (line provenance)"),
        ("declarations", "declared AI (rules on every commit)"),
        ("load", "load the stored history"),
        ("write", "write rows"),
    )
    for key, what in parts:
        secs = ai.get(key, 0.0)
        rate = (
            f"{commits / secs:9,.0f} commits/s  {lines / secs:11,.0f} lines/s"
            if secs and key.startswith("lineops")
            else ""
        )
        print(f"  {what:<42} {secs:7.2f} s  {rate}")
    walk = ai["lineops"]
    print(
        f"  line operations in the pipeline (the whole walk): {commits / walk:,.0f} commits/s, "
        f"{lines / walk:,.0f} changed lines/s ({commits:,} commits, {lines:,} lines)"
    )
    alone = _python(STEP_ALONE, str(repo), str(db))
    print(
        f"the step alone on the stored history: {alone['seconds']:.2f} s, peak RSS {alone['peak_mb']:.0f} MB "
        f"({alone['peak_mb'] - alone['before_mb']:+.0f} MB over the {alone['before_mb']:.0f} MB before it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument(
        "--pipeline", action="store_true", help="also time the AI-era step inside qroi ingest"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="scoring processes of that ingest (0: one per core)"
    )
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
        print(f"floor: git diff-tree -p -U0 of the history  {floor:7.2f} s")
        for part, what in (
            ("parse", "parse the stream into file diffs"),
            ("tree", "trees + window index"),
            ("classify", "classify (lineops.classify)"),
        ):
            secs = walk.seconds[part]
            print(
                f"{what:<44} {secs:7.2f} s  {classified / secs:9,.0f} commits/s  {lines / secs:11,.0f} lines/s"
                f"  ({secs / floor:.2f}x the floor)"
            )
        print(
            f"classified {classified:,} commits ({count - classified:,} merges), {files:,} files, "
            f"{lines:,} changed lines; {duplicated:,} commits with a duplicated block"
        )
        shares = ", ".join(f"{op} {total.share(op):.1%}" for op in OPERATIONS)
        print(
            f"line operations: {total.operations:,} ({shares}); trivial lines {total.trivial_added + total.trivial_deleted:,}"
        )
        if args.pipeline:
            pipeline(repo, Path(tmp), args.workers)


if __name__ == "__main__":
    main()
