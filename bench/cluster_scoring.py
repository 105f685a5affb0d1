"""Benchmark one repository's ingest with its blobs scored on a Dask cluster, against a local run.

Usage: python bench/cluster_scoring.py [REPO] [--workers 2] [--commits 3000]

REPO defaults to a generated `large` history of `--commits` commits. In one invocation, each
ingest its own process into an empty SQLite store:
- local: `qroi ingest REPO --workers N` (the fork pool);
- cluster: a `distributed.LocalCluster` of N single-threaded worker processes started here, and
  `qroi ingest REPO --scheduler ADDRESS`, which ships every batch's blob bytes to those workers.
Printed: whole-ingest seconds and the part before the post-ingest steps (mining, scoring, quality
sums, writes: the only part the cluster changes), the CPU seconds of every process that worked for
the ingest (for the cluster: the ingest, its workers, and the scheduler and nannies in this
process), the cluster/local ratio of each, and whether the two stores are equal (tests/storedump.py). On one machine this measures what the cluster path
costs over the local pool (pickling, the scheduler's round trips), not what more machines gain;
on a machine shared with other work compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(repo: Path, db: Path, workers: int, client: Any = None) -> dict[str, float]:
    """One ingest in a process of its own; `cpu` adds up every process that worked for it: the
    ingest and its pool, or the ingest, the cluster's workers and this process (scheduler, nannies)."""
    cmd = [sys.executable, __file__, "--run", str(repo), str(db), "--workers", str(workers)]
    if client is not None:
        cmd += ["--scheduler", client.scheduler.address]
        workers_before = sum(client.run(time.process_time).values())
    children, own = _children_cpu(), time.process_time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ingest failed: {done.stderr.strip()[-800:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["cpu"] = _children_cpu() - children
    if client is not None:
        report["cpu"] += sum(client.run(time.process_time).values()) - workers_before
        report["cpu"] += time.process_time() - own
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

    from distributed import Client, LocalCluster

    from qroi.sample_repos.build import build
    from qroi.store.database import connect
    from tests.storedump import dump

    with tempfile.TemporaryDirectory(prefix="qroi-cluster-") as tmp:
        work = Path(tmp)
        repo = args.repo or build("large", work / "large", commits=args.commits)
        subprocess.run(["git", "-C", str(repo), "log", "--numstat", "-M"], capture_output=True)  # warm cache
        local = timed(repo, work / "local.db", args.workers)
        with (
            LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            remote = timed(repo, work / "cluster.db", args.workers, client)
        equal = dump(connect(str(work / "local.db")), local["name"]) == dump(
            connect(str(work / "cluster.db")), remote["name"]
        )
        print(f"{repo}: {local['commits']:,} commits, {local['blobs']:,} blobs scored")
        print(f"{'':28}{'whole ingest':>14}{'before post-steps':>20}{'CPU, all processes':>20}")
        rows = (
            (f"local, {args.workers} processes", local),
            (f"LocalCluster, {args.workers} workers", remote),
        )
        for label, r in rows:
            print(f"{label:28}{r['seconds']:13.1f}s{r['before_post']:19.1f}s{r['cpu']:19.1f}s")
        ratios = [remote[k] / local[k] for k in ("seconds", "before_post", "cpu")]
        print(f"{'cluster / local':28}{ratios[0]:13.2f}x{ratios[1]:19.2f}x{ratios[2]:19.2f}x")
        print(f"stores equal (tests/storedump.py): {'yes' if equal else 'NO'}")


if __name__ == "__main__":
    main()
