"""Benchmark many-repository ingest: `qroi ingest --from` with 1 worker against N, in one run.

Usage: python bench/fleet.py [--repos 6] [--commits 600] [--workers 2]

Builds `--repos` distinct `large` sample repositories (different seeds, so blobs are not shared
and each repository costs the same), then ingests the list into an empty SQLite store with one
worker and again, into another empty store, with `--workers`. Prints wall times, commits/s and
the speed-up; the machine's other load affects both runs alike only if it is steady.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.sample_repos.build import build


def ceiling(workers: int) -> float:
    """This machine's own parallel speed-up for CPU-bound Python: the same busy loop run once in
    one process, then once in each of `workers` processes at the same time (a noisy or
    hyper-threaded machine gives far less than `workers`x)."""
    loop = [sys.executable, "-c", "sum(range(4 * 10**7))"]
    started = time.perf_counter()
    subprocess.run(loop, check=True)
    one = time.perf_counter() - started
    started = time.perf_counter()
    procs = [subprocess.Popen(loop) for _ in range(workers)]
    for proc in procs:
        proc.wait()
    return workers * one / (time.perf_counter() - started)


def run(listing: Path, db: Path, workers: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qroi",
            "ingest",
            "--from",
            str(listing),
            "--db",
            str(db),
            "--workers",
            str(workers),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"ingest failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=6)
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qroi-fleet-") as tmp:
        work = Path(tmp)
        repos = [
            build("large", work / f"svc{seed}", commits=args.commits, seed=seed) for seed in range(args.repos)
        ]
        listing = work / "repos.txt"
        listing.write_text("\n".join(map(str, repos)) + "\n")
        total = args.repos * args.commits
        one = run(listing, work / "one.db", 1)
        many = run(listing, work / "many.db", args.workers)
        print(f"{args.repos} repositories x {args.commits:,} commits = {total:,} commits")
        print(f"1 worker:  {one:7.1f}s  {total / one:7,.0f} commits/s")
        print(f"{args.workers} workers: {many:7.1f}s  {total / many:7,.0f} commits/s")
        print(
            f"speed-up with {args.workers} workers: {one / many:.2f}x "
            f"(this machine's ceiling for {args.workers} CPU-bound processes, measured now: {ceiling(args.workers):.2f}x)"
        )


if __name__ == "__main__":
    main()
