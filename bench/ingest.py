"""Benchmark `qroi ingest` against the floor (`git log --numstat`) on the same commits, in one run.

Usage: python bench/ingest.py [REPO] [--commits N] [--workers N]

Without REPO a `large` sample repository of N commits (default 3000) is built in a temp dir.
Each tool runs as its own process under `/usr/bin/time`, so wall, CPU and peak RSS are the
process's own. Printed: commits/s and the ratio to the floor, distinct Python blobs scored vs
Python file instances across all commits (what the blob cache saves), DB size and bytes per
commit, and a re-ingest after one new commit (the incremental path), all measured in this run.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_repos.build import build  # noqa: E402


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    commits: int

    @property
    def rate(self) -> float:
        return self.commits / self.wall if self.wall else float("inf")


def timed(name: str, cmd: list[str], commits: int, cwd: Path = ROOT) -> Run:
    """Run a command under GNU time; its own wall, user+sys CPU and peak RSS (largest process)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *cmd], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        if done.returncode != 0:
            sys.exit(f"{name} failed: {done.stderr.strip()[-500:]}")
        wall, user, system, rss_kb = report.read().split()[-4:]
    return Run(name, float(wall), float(user) + float(system), int(rss_kb) / 1024, commits)


def qroi(*args: str) -> list[str]:
    return [sys.executable, "-m", "tracker", *args]


def add_commit(repo: Path) -> None:
    """One more commit touching one Python file, as a developer would make it."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    files = subprocess.run(["git", "-C", str(repo), "ls-files", "*.py"], capture_output=True, text=True).stdout.split()
    target = repo / files[len(files) // 2]
    target.write_text(target.read_text() + "\n\ndef bench_added(x):\n    return x + 1\n")
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "Add bench_added"], check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qroi-bench-") as tmp:
        work = Path(tmp)
        repo = args.repo or build("large", work / "large", commits=args.commits)
        count = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
                                   capture_output=True, text=True, check=True).stdout)  # fmt: skip
        print(f"repository: {repo} ({count:,} commits)")
        db = work / "bench.db"
        workers = ["--workers", str(args.workers)] if args.workers else []

        floor = timed("git log --numstat", ["git", "-C", str(repo), "log", "--numstat", "-M", "--topo-order"], count)
        start = timed("interpreter + qroi import", qroi("--help"), 0)
        full = timed("qroi ingest (empty store)", qroi("ingest", str(repo), "--db", str(db), "--quiet", *workers), count)
        again = timed("qroi ingest (nothing new)", qroi("ingest", str(repo), "--db", str(db), "--quiet"), 0)
        add_commit(repo)
        one = timed("qroi ingest (1 new commit)", qroi("ingest", str(repo), "--db", str(db), "--quiet"), 1)

        with sqlite3.connect(db) as conn:
            instances = conn.execute("SELECT sum(py_files) FROM commits").fetchone()[0]
            distinct = conn.execute(
                "SELECT count(DISTINCT new_blob) FROM changes WHERE is_python AND new_blob IS NOT NULL"
            ).fetchone()[0]
            scored = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
            unscored = conn.execute("SELECT count(*) FROM blobs WHERE error_kind IS NOT NULL").fetchone()[0]
        db_bytes = sum(p.stat().st_size for p in work.glob("bench.db*") if not re.search(r"lock", p.name))

        print(f"\n{'run':<30} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'commits/s':>11} {'vs floor':>9}")
        for run in (floor, start, full, again, one):
            rate = f"{run.rate:,.0f}" if run.commits else "-"
            ratio = f"{floor.rate / run.rate:,.1f}x" if run.commits and run is not floor else "-"
            print(f"{run.name:<30} {run.wall:>8.2f} {run.cpu:>8.2f} {run.rss_mb:>12.0f} {rate:>11} {ratio:>9}")
        print(f"\nfloor is {floor.rate / full.rate:.1f}x faster than a full qroi ingest (all Radon families, "
              f"per-function rows, per-commit aggregates)")
        print(f"Python file instances across commits: {instances:,}; distinct Python blobs: {distinct:,}; "
              f"blobs scored: {scored:,} ({unscored:,} unscored); each blob scored once "
              f"= {instances / max(scored, 1):,.0f}x fewer scorings than instances")
        print(f"store: {db_bytes / 1e6:.1f} MB, {db_bytes / count:,.0f} bytes per commit")
        print(f"re-ingest with 1 new commit: {one.wall:.2f}s wall, {one.wall - start.wall:.2f}s beyond "
              f"interpreter start and imports ({start.wall:.2f}s)")


if __name__ == "__main__":
    main()
