"""Benchmark `tracker.lineops.classify` on a whole history, alone and inside `qroi ingest`.

Usage: python bench/lineops.py [REPO] [--commits N] [--pipeline]

Without REPO a `large` sample repository of N commits (default 2000) is built in a temp dir.
Printed: the floor (git producing the `-U0` patch stream), then parsing the stream into file
diffs, keeping every file's lines and the tree's window index up to date along the walk, and
classifying every non-merge commit; commits/s and changed lines/s for each, each as a ratio to
the floor, and the history's line-operation shares.

With `--pipeline`, the same history is also ingested by the product, in a process of its own:
the AI-era step (`tracker.ai_era`: one `git diff-tree --stdin` stream through `tracker.patches`,
trees, window index, classification, churn, declarations, tree duplication) is timed part by part
from its own report, against the whole ingest (what it adds), with the ingest's peak RSS; then
the step runs again alone on the stored history, in a fresh process, for its own peak memory.

This file's walk (one `git log -p` stream) is the pipeline's twin for the classifier alone:
tests/test_ai_scenario.py uses it to check the classifier against the `ai_era` scenario's
planted truth, and tests/test_ai_era.py checks the pipeline against the same truth.

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_repos.build import build  # noqa: E402
from tracker.duplication import WindowIndex  # noqa: E402
from tracker.lineops import (  # noqa: E402
    OPERATIONS,
    CommitOps,
    FileDiff,
    Hunk,
    LineOps,
    LineOpsConfig,
    Tree,
    classify,
    tree_after,
)
from tracker.miner import neutral_config  # noqa: E402
from tracker.patches import header_path, side_path, unquote  # noqa: E402


def log_command(repo: Path, rev: str = "HEAD") -> list[str]:
    """Every commit, parents first, as a `-U0` patch against its first parent, with rename detection."""
    return ["git", *neutral_config(), "-C", str(repo), "log", "--topo-order", "--reverse", "-p", "-U0", "-M",
            "--full-index", "--no-color", "--no-textconv", "--no-ext-diff", "--diff-merges=first-parent",
            "--src-prefix=a/", "--dst-prefix=b/", "--format=%x00%H %P", rev]  # fmt: skip


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
            path = header_path(line[len(b"diff --git ") :])
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
            current.old_path = side_path(line[4:], b"a/")
        elif line.startswith(b"+++ "):
            current.new_path = side_path(line[4:], b"b/")
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
        if proc.wait() != 0:
            raise RuntimeError(f"git log failed in {self.repo}")
        self.head_tree = trees.get(last, {})


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _floor(repo: Path) -> float:
    started = time.perf_counter()
    subprocess.run(log_command(repo), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


INGEST = """
import json, resource, sys, time
from tracker import store
from tracker.ingest import IngestOptions, ingest
result = ingest(store.connect(sys.argv[2]), sys.argv[1], IngestOptions(workers=int(sys.argv[3]) or None))
print(json.dumps({"seconds": result.seconds, "commits": result.commits_added, "ai": result.ai.seconds,
                  "classified": result.ai.classified, "lines": result.ai.changed_lines,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
STEP_ALONE = """
import json, sys
from sqlalchemy import delete
from tracker import ai_era, models, store
from tracker.gitrepo import GitRepo
engine = store.connect(sys.argv[2])
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
    report = ai_era.refresh(engine, git, rid, head, ai_era.AiOptions())
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
    print(f"\nqroi ingest of {run['commits']:,} commits: {run['seconds']:.2f} s, peak RSS {run['rss_mb']:.0f} MB "
          f"(main process)")  # fmt: skip
    print(f"AI-era step: {step:.2f} s = {step / run['seconds']:.1%} of the ingest "
          f"({step / (run['seconds'] - step):.1%} added to the rest of it)")  # fmt: skip
    parts = (("lineops.diffs", "git diff-tree -p stream + parsing"), ("lineops.trees", "trees + window index"),
             ("lineops.classify", "classify (lineops.classify)"), ("lineops.churn", "churn (line provenance)"),
             ("declarations", "declared AI (rules on every commit)"), ("load", "load the stored history"),
             ("write", "write rows"))  # fmt: skip
    for key, what in parts:
        secs = ai.get(key, 0.0)
        rate = f"{commits / secs:9,.0f} commits/s  {lines / secs:11,.0f} lines/s" if secs and key.startswith("lineops") else ""
        print(f"  {what:<42} {secs:7.2f} s  {rate}")
    walk = ai["lineops"]
    print(f"  line operations in the pipeline (the whole walk): {commits / walk:,.0f} commits/s, "
          f"{lines / walk:,.0f} changed lines/s ({commits:,} commits, {lines:,} lines)")  # fmt: skip
    alone = _python(STEP_ALONE, str(repo), str(db))
    print(f"the step alone on the stored history: {alone['seconds']:.2f} s, peak RSS {alone['peak_mb']:.0f} MB "
          f"({alone['peak_mb'] - alone['before_mb']:+.0f} MB over the {alone['before_mb']:.0f} MB before it)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--pipeline", action="store_true", help="also time the AI-era step inside qroi ingest")
    parser.add_argument("--workers", type=int, default=0, help="scoring processes of that ingest (0: one per core)")
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
        if args.pipeline:
            pipeline(repo, Path(tmp), args.workers)


if __name__ == "__main__":
    main()
