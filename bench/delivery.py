"""Benchmark the delivery signals (SZZ, Kamei features, rework, releases, DMM) of `qroi ingest`.

Usage: python bench/delivery.py [REPO] [--commits N] [--workers N] [--dmm-sample N]

Without REPO a `large` sample repository of N commits (default 2500) is built in a temp dir.
One full ingest runs in this process; its report splits the time into the core ingest (mining,
scoring, storing) and each delivery step. Printed: seconds and commits/s per step, each step's
cost relative to the core ingest and to the floor (`git log --numstat` of the same history), SZZ's
fixes and blames per second, a re-ingest after one new commit (the incremental path), and DMM
measured on a sample of commits (it only runs with `--dmm`) and extrapolated to the history.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import add_commit
from qroi.delivery import dmm
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.sample_repos.build import build
from qroi.store import database


def _floor(repo: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(repo), "log", "--numstat", "-M", "--topo-order"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=2500)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dmm-sample", type=int, default=150)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qroi-bench-delivery-") as tmp:
        work = Path(tmp)
        repo = args.repo or build("large", work / "large", commits=args.commits)
        count = int(
            subprocess.run(
                ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        workers = args.workers or os.cpu_count() or 1
        print(f"repository: {repo} ({count:,} commits), {workers} workers")
        floor = _floor(repo)
        engine = database.connect(str(work / "bench.db"))
        result = ingest(engine, str(repo), IngestOptions(workers=workers))
        report = result.delivery
        assert report is not None
        core = result.seconds - report.total_seconds

        print(
            f"\n{'step':<28} {'seconds':>8} {'commits/s':>10} {'vs core ingest':>15} {'vs git log floor':>17}"
        )
        rows = [("git log --numstat (floor)", floor), ("core ingest (mine+score+store)", core)]
        rows += [(f"delivery: {name}", seconds) for name, seconds in report.seconds.items()]
        rows += [("delivery: all", report.total_seconds)]
        for name, seconds in rows:
            rate = f"{count / seconds:,.0f}" if seconds else "-"
            print(f"{name:<28} {seconds:>8.2f} {rate:>10} {seconds / core:>14.1%} {seconds / floor:>16.1f}x")
        szz = report.seconds.get("szz", 0.0)
        print(
            f"\nSZZ: {report.fixes_blamed:,} bug-fix commits, {report.blames:,} git blame runs, {report.bug_links:,} "
            f"bug-inducing links in {szz:.2f}s ({report.blames / szz if szz else 0:,.0f} blames/s)"
        )
        print(
            f"features (Kamei + cc_delta): {report.features:,} commits in {report.seconds['features']:.2f}s; "
            f"rework: {report.rework:,} commits in {report.seconds['rework']:.2f}s; "
            f"releases: {report.releases} ({report.change_failures} change failures)"
        )

        add_commit(repo)
        again = ingest(engine, str(repo), IngestOptions(workers=workers))
        assert again.delivery is not None
        parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in again.delivery.seconds.items())
        print(
            f"\nre-ingest with 1 new commit: {again.seconds:.2f}s in all, delivery {again.delivery.total_seconds:.2f}s "
            f"({parts})"
        )

        shas = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--no-merges", f"--max-count={args.dmm_sample}", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        started = time.perf_counter()
        dmm.compute(str(Path(repo) / ".git") if (Path(repo) / ".git").is_dir() else str(repo), shas, workers)
        seconds = time.perf_counter() - started
        rate = len(shas) / seconds
        print(
            f"\nDMM (PyDriller, {workers} workers): {len(shas)} commits in {seconds:.2f}s = {rate:,.1f} commits/s; "
            f"the whole history would take ~{count / rate:,.0f}s = {count / rate / core:,.1f}x the core ingest "
            f"(hence only with --dmm)"
        )


if __name__ == "__main__":
    main()
