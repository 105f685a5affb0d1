"""Benchmark `qroi ingest` against its peers on the same commits, in one run.

Usage: python bench/ingest.py [REPO] [--commits N] [--workers N] [--peer-limit N] [--no-wily]

Without REPO a `large` sample repository of N commits (default 3000) is built in a temp dir.
Runs, each as its own process under `/usr/bin/time` (wall, CPU, peak RSS are the process's own):
`git log --numstat` (the floor), the naive PyDriller + Radon loop and `wily build` (bench/peers.py;
with --peer-limit they run on the first N commits only, and their rate is over those), and
`qroi ingest` into an empty store. Printed: commits/s and ratios, distinct Python blobs scored vs
Python file instances (what the blob cache saves), the Radon limit (distinct blobs x single-core
Radon cost / cores, Radon's cost measured here on a sample of the same blobs) against qroi's
ingest time, store and wily cache bytes per commit, and a re-ingest after one new commit.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.sample_repos.build import build


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    commits: int
    output: str = ""

    @property
    def rate(self) -> float:
        return self.commits / self.wall if self.wall else float("inf")


def timed(name: str, cmd: list[str], commits: int, cwd: Path = ROOT) -> Run:
    """Run a command under GNU time; its own wall, user+sys CPU and peak RSS (largest process)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *cmd],
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"{name} failed: {done.stderr.strip()[-500:]}")
        wall, user, system, rss_kb = report.read().split()[-4:]
    run = Run(name, float(wall), float(user) + float(system), int(rss_kb) / 1024, commits)
    run.output = done.stdout
    return run


def radon_cost(repo: Path, blobs: list[str], cores: int) -> tuple[float, float]:
    """Seconds per blob, single core, for Radon's own entry points and for qroi's scorer."""
    from radon.complexity import cc_visit
    from radon.metrics import h_visit, mi_visit
    from radon.raw import analyze

    from qroi.scoring.scorer import decode_source, score_blob

    contents = [
        subprocess.run(["git", "-C", str(repo), "cat-file", "blob", b], capture_output=True).stdout
        for b in blobs
    ]
    start = time.process_time()
    for data in contents:
        try:
            code = decode_source(data)
            analyze(code), cc_visit(code), h_visit(code), mi_visit(code, True)
        except Exception:
            pass
    radon = (time.process_time() - start) / len(contents)
    start = time.process_time()
    for blob, data in zip(blobs, contents, strict=True):
        score_blob(blob, data)
    ours = (time.process_time() - start) / len(contents)
    return radon, ours


def qroi(*args: str) -> list[str]:
    return [sys.executable, "-m", "qroi", *args]


def add_commit(repo: Path) -> None:
    """One more commit touching one Python file, as a developer would make it."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "*.py"], capture_output=True, text=True
    ).stdout.split()
    target = repo / files[len(files) // 2]
    target.write_text(target.read_text() + "\n\ndef bench_added(x):\n    return x + 1\n")
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "Add bench_added"], check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--peer-limit", type=int, default=None, help="run the peers on the first N commits only"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip PyDriller and wily (memory/size runs)")
    parser.add_argument("--no-wily", action="store_true")
    args = parser.parse_args()
    cores = args.workers or len(os.sched_getaffinity(0))

    with tempfile.TemporaryDirectory(prefix="qroi-bench-") as tmp:
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
        print(f"repository: {repo} ({count:,} commits), {cores} cores", flush=True)
        db = work / "bench.db"
        workers = ["--workers", str(args.workers)] if args.workers else []
        peer_commits = min(args.peer_limit or count, count)
        limit = ["--limit", str(peer_commits)] if args.peer_limit else []

        runs = [
            timed(
                "git log --numstat (floor)",
                ["git", "-C", str(repo), "log", "--numstat", "-M", "--topo-order"],
                count,
            )
        ]
        start = timed("interpreter + qroi import", qroi("--help"), 0)
        full = timed(
            "qroi ingest (empty store)",
            qroi("ingest", str(repo), "--db", str(db), "--quiet", *workers),
            count,
        )
        bare = timed(
            "qroi ingest (empty, --no-headline)",
            qroi("ingest", str(repo), "--db", str(work / "bare.db"), "--quiet", "--no-headline", *workers),
            count,
        )
        runs += [start, full, bare]
        peers: dict[str, Run] = {}
        if not args.no_peers:
            bench = str(ROOT / "bench" / "peers.py")
            peers["pydriller"] = timed(
                "naive PyDriller + Radon loop",
                [sys.executable, bench, "pydriller", str(repo), *limit],
                peer_commits,
            )
            if not args.no_wily:
                peers["wily"] = timed(
                    "wily build", [sys.executable, bench, "wily", str(repo), *limit], peer_commits
                )
            runs += list(peers.values())
        runs.append(
            timed("qroi ingest (nothing new)", qroi("ingest", str(repo), "--db", str(db), "--quiet"), 0)
        )
        add_commit(repo)
        one = timed("qroi ingest (1 new commit)", qroi("ingest", str(repo), "--db", str(db), "--quiet"), 1)
        runs.append(one)

        with sqlite3.connect(db) as conn:
            instances = conn.execute("SELECT sum(py_files) FROM commits").fetchone()[0]
            scored = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
            unscored = conn.execute("SELECT count(*) FROM blobs WHERE error_kind IS NOT NULL").fetchone()[0]
            translated = conn.execute("SELECT count(*) FROM blobs WHERE translated").fetchone()[0]
            sample = [
                b for (b,) in conn.execute("SELECT blob FROM blobs WHERE error_kind IS NULL ORDER BY blob")
            ]
        db_bytes = sum(p.stat().st_size for p in work.glob("bench.db*") if "lock" not in p.name)
        radon_s, ours_s = radon_cost(repo, sample[:: max(1, len(sample) // 300)], cores)

        floor = runs[0]
        print(
            f"\n{'run':<32} {'commits':>8} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'commits/s':>11}"
        )
        for run in runs:
            rate = f"{run.rate:,.1f}" if run.commits else "-"
            print(
                f"{run.name:<32} {run.commits:>8,} {run.wall:>8.2f} {run.cpu:>8.2f} {run.rss_mb:>12.0f} {rate:>11}"
            )
        print(
            f"\nqroi full ingest (all Radon families, per-function rows, per-commit aggregates): {full.rate:,.1f} commits/s"
        )
        print(f"  floor (git log --numstat) is {floor.rate / full.rate:,.1f}x faster than qroi")
        for run in peers.values():
            print(f"  qroi is {full.rate / run.rate:,.1f}x the commits/s of {run.name}")
        limit_s = len(sample) * radon_s / cores
        print(
            f"Radon limit: {len(sample):,} distinct blobs x {radon_s * 1000:.1f} ms (Radon's own, single core) / "
            f"{cores} cores = {limit_s:.1f}s; qroi's whole ingest took {full.wall:.1f}s = "
            f"{full.wall / limit_s:.2f}x the limit (qroi's scorer: {ours_s * 1000:.1f} ms per blob, "
            f"{radon_s / ours_s:.1f}x faster than Radon's entry points)"
        )
        print(
            f"Python file instances across commits: {instances:,}; blobs scored: {scored:,} "
            f"({unscored:,} unscored, {translated:,} translated from Python 2); "
            f"{instances / max(scored, 1):,.0f}x fewer scorings than instances"
        )
        print(f"store: {db_bytes / 1e6:.1f} MB = {db_bytes / count:,.0f} bytes per commit")
        if "wily" in peers:
            cache = int(re.search(r"cache (\d+) bytes", peers["wily"].output).group(1))
            print(
                f"wily cache: {cache / 1e6:.1f} MB for {peer_commits:,} revisions = {cache / peer_commits:,.0f} "
                f"bytes per commit ({cache / peer_commits / (db_bytes / count):,.0f}x qroi's)"
            )
        print(
            f"re-ingest with 1 new commit: {one.wall:.2f}s wall, {one.wall - start.wall:.2f}s beyond "
            f"interpreter start and imports ({start.wall:.2f}s)"
        )


if __name__ == "__main__":
    main()
