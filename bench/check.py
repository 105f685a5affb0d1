"""Benchmark `qroi check` on a ten-file change against `git diff` of the same change.

Usage: python bench/check.py [REPO --base REV --head REV] [--runs N] [--commits N]

Without REPO a `pull_request` sample repository (default 90 commits; more grow the tree the
duplication index reads) is built in a temp dir and its `feature/ten-files` branch (a function
added to ten modules) is checked against `main`. Printed, best of `--runs` (default 5): `git diff`
of the change (the floor: git alone producing the patch), the library's `run_check` in this
process, and the `qroi check` command as a user runs it (a new process: interpreter and imports
included), each as a ratio to the floor; and how many files the change touched and the base tree
held.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.check.compare import run_check
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.pull_request import TEN_FILES


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--base", default="main")
    parser.add_argument("--head", default=TEN_FILES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.repo or build("pull_request", Path(tmp) / "shop", commits=args.commits)
        diff = ["git", "-C", str(repo), "diff", args.base, args.head]
        floor = best(args.runs, lambda: subprocess.run(diff, capture_output=True, check=True))
        report = run_check(repo, args.base, args.head)
        library = best(args.runs, lambda: run_check(repo, args.base, args.head))
        cli = [sys.executable, "-m", "qroi", "check", str(repo), "--base", args.base, "--head", args.head]
        command = best(args.runs, lambda: subprocess.run(cli, capture_output=True, cwd=ROOT))
        tree = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", args.base],
            capture_output=True,
            text=True,
        ).stdout.split()
        python_files = sum(1 for p in tree if p.endswith(".py"))
        print(f"change: {len(report.files)} Python files touched; base tree {python_files} Python files")
        print(f"git diff          {floor * 1000:8.1f} ms  1.0x")
        print(f"run_check         {library * 1000:8.1f} ms  {library / floor:5.1f}x git diff")
        print(f"qroi check (CLI)  {command * 1000:8.1f} ms  {command / floor:5.1f}x git diff")


if __name__ == "__main__":
    main()
