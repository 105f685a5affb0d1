"""Benchmark one repository's ingest with its blobs scored on a Dask cluster, against a local run.

Usage: python bench/cluster_scoring.py [REPO] [--workers 2] [--commits 3000]

REPO defaults to a generated `large` history of `--commits` commits. In one invocation, each
ingest its own process into an empty SQLite store:
- local: `qroi ingest REPO --workers N` (the fork pool);
- cluster: a `distributed.LocalCluster` of N single-threaded worker processes started here, and
  `qroi ingest REPO --scheduler ADDRESS`, which ships every batch's blob bytes to those workers.
Printed: whole-ingest seconds and the part before the post-ingest steps (mining, scoring, quality
sums, writes: the only part the cluster changes), the cluster/local ratio of each, and whether the
two stores are equal (tests/storedump.py). On one machine this measures what the cluster path
costs over the local pool (pickling, the scheduler's round trips), not what more machines gain;
on a machine shared with other work compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_ingest(repo: str, db: str, workers: int, scheduler: str | None) -> None:
    """The runner (a process of its own): one ingest, then one JSON line of its timings."""
    from qroi.ingest.pipeline import IngestOptions, ingest
    from qroi.store.database import connect

    started = time.perf_counter()
    result = ingest(connect(db), repo, IngestOptions(workers=workers, scheduler=scheduler))
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "name": result.repo,
                "seconds": wall,
                "before_post": wall - result.post_steps_seconds,
                "blobs": result.blobs_scored,
                "commits": result.commits_added,
            }
        )
    )


def timed(repo: Path, db: Path, workers: int, scheduler: str | None = None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--run", str(repo), str(db), "--workers", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(
        [*cmd, *(["--scheduler", scheduler] if scheduler else [])], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"ingest failed: {done.stderr.strip()[-800:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["process"] = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--commits", type=int, default=3000, help="size of the generated history (no REPO)")
    parser.add_argument("--run", nargs=2, metavar=("REPO", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_ingest(*args.run, args.workers, args.scheduler)
        return

    from distributed import LocalCluster

    from qroi.sample_repos.build import build
    from qroi.store.database import connect
    from tests.storedump import dump

    with tempfile.TemporaryDirectory(prefix="qroi-cluster-") as tmp:
        work = Path(tmp)
        repo = args.repo or build("large", work / "large", commits=args.commits)
        subprocess.run(["git", "-C", str(repo), "log", "--numstat", "-M"], capture_output=True)  # warm cache
        local = timed(repo, work / "local.db", args.workers)
        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            remote = timed(repo, work / "cluster.db", args.workers, cluster.scheduler_address)
        equal = dump(connect(str(work / "local.db")), local["name"]) == dump(
            connect(str(work / "cluster.db")), remote["name"]
        )
        print(f"{repo}: {local['commits']:,} commits, {local['blobs']:,} blobs scored")
        print(f"{'':28}{'whole ingest':>14}{'before post-steps':>20}")
        print(
            f"{f'local, {args.workers} processes':28}{local['seconds']:13.1f}s{local['before_post']:19.1f}s"
        )
        print(
            f"{f'LocalCluster, {args.workers} workers':28}{remote['seconds']:13.1f}s{remote['before_post']:19.1f}s"
        )
        print(
            f"{'cluster / local':28}{remote['seconds'] / local['seconds']:13.2f}x"
            f"{remote['before_post'] / local['before_post']:19.2f}x"
        )
        print(f"stores equal (tests/storedump.py): {'yes' if equal else 'NO'}")


if __name__ == "__main__":
    main()
