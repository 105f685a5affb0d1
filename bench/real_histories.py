"""Benchmark `qroi ingest` on fetched public histories, against its peers, in one run.

Usage: python bench/real_histories.py [REPO ...] [--newest N] [--no-peers] [--no-wily] [--workers N]

Default REPOs: /work/real/flask (a Python 2 era: ~16% of its scored blobs translated) and
/work/real/sqlalchemy (18,235 commits). A missing repository is skipped with a message; none
is ever written to (qroi and PyDriller only read, wily works on a clone of its own).

Per repository, each run its own process under `/usr/bin/time` (wall, CPU, peak RSS):
- `git log --numstat -M` over the whole history: the floor;
- `qroi ingest` into an empty store, through a small runner that prints where the time went
  (scoring and storing, then each part of the delivery and AI-era steps) and what was scored;
- the newest N commits (default 500): `git log --numstat -M -n N` (the floor there), the naive
  PyDriller + Radon loop and `wily build` (bench/peers.py), whose whole history takes hours.
Printed: a table, ratios within this run (qroi against the floor; qroi's commits/s against each
peer's), and the steps. On a machine shared with other work compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import Run, timed  # bench/ingest.py: one process under GNU time

DEFAULT_REPOS = (Path("/work/real/flask"), Path("/work/real/sqlalchemy"))
PEERS = str(ROOT / "bench" / "peers.py")


def run_ingest(repo: str, db: str, workers: int | None) -> None:
    """The runner: `qroi ingest` as the CLI does it, then one JSON line of its timings and counts."""
    from qroi.ingest.pipeline import IngestOptions, ingest
    from qroi.store.database import connect

    result = ingest(connect(db), repo, IngestOptions(workers=workers))
    delivery, ai = result.delivery, result.ai
    print(
        json.dumps(
            {
                "seconds": result.seconds,
                "delivery": delivery.seconds if delivery else {},
                "ai": ai.seconds if ai else {},
                "delivery_total": delivery.total_seconds if delivery else 0.0,
                "ai_total": ai.total_seconds if ai else 0.0,
                "blobs_scored": result.blobs_scored,
                "blobs_translated": result.blobs_translated,
                "blobs_failed": result.blobs_failed,
                "commits": result.commits_added,
                "post": result.post_steps_seconds,
                "overlapped": result.post_steps_overlapped,
            }
        )
    )


def commit_count(repo: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
    )
    return int(out.stdout)


def scoring_seconds(db: Path) -> tuple[float, float]:
    """Seconds the scorer took, summed over all blobs and over the translated ones (stored per blob)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        total, translated = conn.execute(
            "SELECT sum(score_seconds), sum(CASE WHEN translated THEN score_seconds ELSE 0 END) FROM blobs"
        ).fetchone()
    return total or 0.0, translated or 0.0


def bench(repo: Path, newest: int, peers: bool, wily: bool, workers: int | None) -> None:
    count = commit_count(repo)
    cores = workers or len(os.sched_getaffinity(0))
    n = min(newest, count)
    print(f"\n== {repo.name}: {count:,} commits, {cores} cores; peers on the newest {n:,} ==", flush=True)
    print(f"{'run':<40} {'commits':>8} {'wall s':>9} {'CPU s':>9} {'peak RSS MB':>12} {'commits/s':>10}")

    def timed_row(name: str, cmd: list[str], commits: int) -> Run:
        run = timed(name, cmd, commits)  # printed as it ends: a long run is not lost to a later one
        print(
            f"{run.name:<40} {run.commits:>8,} {run.wall:>9.2f} {run.cpu:>9.2f} {run.rss_mb:>12.0f} {run.rate:>10,.1f}",
            flush=True,
        )
        return run

    with tempfile.TemporaryDirectory(prefix="qroi-real-") as tmp:
        db = Path(tmp) / "bench.db"
        floor = timed_row(
            "git log --numstat -M (floor)", ["git", "-C", str(repo), "log", "--numstat", "-M"], count
        )
        extra = ["--workers", str(workers)] if workers else []
        ingest = timed_row(
            "qroi ingest (empty store)",
            [sys.executable, __file__, "--runner", str(repo), str(db), *extra],
            count,
        )
        newest_floor = timed_row(
            f"git log --numstat -M -n {n}",
            ["git", "-C", str(repo), "log", "--numstat", "-M", "-n", str(n)],
            n,
        )
        peer_runs: list[Run] = []
        if peers:
            peer_runs.append(
                timed_row(
                    f"naive PyDriller + Radon, newest {n}",
                    [sys.executable, PEERS, "pydriller", str(repo), "--limit", str(n), "--newest"],
                    n,
                )
            )
            if wily:
                peer_runs.append(
                    timed_row(
                        f"wily build, newest {n}",
                        [sys.executable, PEERS, "wily", str(repo), "--limit", str(n)],
                        n,
                    )
                )
        report = json.loads(ingest.output.strip().splitlines()[-1])
        score_total, score_translated = scoring_seconds(db)
    cpu = f", {ingest.cpu / floor.cpu:,.1f}x its CPU" if floor.cpu >= 0.05 else ""
    print(
        f"qroi ingest: {ingest.wall / floor.wall:,.1f}x the floor's wall time{cpu}; {ingest.rate:,.1f} commits/s"
    )
    for run in peer_runs:
        print(
            f"  qroi's commits/s are {ingest.rate / run.rate:,.1f}x those of {run.name}"
            f" (which takes {newest_floor.rate / run.rate:,.0f}x the floor's time on its commits)"
        )
    overlapped = " (overlapped: the AI walk ran beside the delivery step)" if report["overlapped"] else ""
    print(
        f"steps (wall, inside the ingest's {report['seconds']:.1f}s): scoring, sums and storing"
        f" {report['seconds'] - report['post']:.1f}s; the post-ingest steps {report['post']:.1f}s{overlapped}:"
        f" delivery signals {report['delivery_total']:.1f}s, AI-era lens {report['ai_total']:.1f}s"
    )
    for name in ("delivery", "ai"):
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(report[name].items(), key=lambda kv: -kv[1]))
        print(f"  {name}: {parts}")
    print(
        f"blobs scored {report['blobs_scored']:,} ({report['blobs_translated']:,} translated from Python 2,"
        f" {report['blobs_failed']:,} unscored); scoring time summed over blobs {score_total:.1f}s, of it"
        f" {score_translated:.1f}s ({score_translated / max(score_total, 1e-9):.0%}) on the translated ones,"
        " translation included"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--runner":
        args = sys.argv[2:]
        workers = int(args[3]) if len(args) > 3 else None
        run_ingest(args[0], args[1], workers)
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repos", nargs="*", type=Path, default=list(DEFAULT_REPOS))
    parser.add_argument("--newest", type=int, default=500, help="the peers run on this many newest commits")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-wily", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    ran = 0
    for repo in args.repos:
        if not (repo / ".git").exists() and not (repo / "HEAD").exists():
            print(f"{repo}: not found, skipped (clone the public repository there to include it)")
            continue
        bench(repo, args.newest, not args.no_peers, not args.no_wily, args.workers)
        ran += 1
    if not ran:
        print("no repository to benchmark: nothing measured")


if __name__ == "__main__":
    main()
