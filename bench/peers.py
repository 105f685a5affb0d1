"""The peers qroi is measured against, each runnable as its own process by bench/ingest.py.

Usage: python bench/peers.py pydriller REPO [--limit N] [--newest]
       python bench/peers.py wily REPO [--limit N]     (runs wily from its own virtualenv)

`pydriller` is the naive loop a user would write first: PyDriller walks the history and every
modified Python file of every commit is scored with Radon's own entry points (raw, cc, Halstead,
MI), with no cache. `wily` runs `wily build` (Radon over every revision) on a copy of the repository,
because wily writes its cache into the working tree and needs it clean. wily pins an old Radon, so
it lives in a virtualenv of its own under bench/.wily-venv, created on first use.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

WILY_VENV = Path(__file__).resolve().parent / ".wily-venv"


def naive_pydriller(repo: str, limit: int | None, newest: bool = False) -> None:
    from pydriller import Repository
    from radon.complexity import cc_visit
    from radon.metrics import h_visit, mi_visit
    from radon.raw import analyze

    commits = files = failures = 0
    order = "reverse" if newest else "topo-order"  # reverse: newest first, as wily walks
    for commit in Repository(repo, order=order).traverse_commits():
        for modified in commit.modified_files:
            if not modified.filename.endswith(".py") or modified.source_code is None:
                continue
            source = modified.source_code
            try:
                analyze(source)
                cc_visit(source)
                h_visit(source)
                mi_visit(source, True)
            except Exception:  # a naive loop must survive bad files too
                failures += 1
            files += 1
        commits += 1
        if limit and commits >= limit:
            break
    print(f"pydriller: {commits} commits, {files} modified Python files scored, {failures} failed")


def wily_build(repo: str, limit: int | None) -> None:
    if not (WILY_VENV / "bin" / "wily").exists():
        venv.create(WILY_VENV, with_pip=True)
        subprocess.run([str(WILY_VENV / "bin" / "pip"), "install", "--quiet", "wily"], check=True)
    with tempfile.TemporaryDirectory(prefix="wily-") as tmp:
        copy = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "--quiet", "--no-local", repo, str(copy)], check=True)
        count = limit or int(
            subprocess.run(
                ["git", "-C", str(copy), "rev-list", "--count", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        home = Path(tmp) / "home"  # wily keeps its cache under ~/.wily: measure a fresh one
        home.mkdir()
        env = {**os.environ, "HOME": str(home)}
        subprocess.run(
            [str(WILY_VENV / "bin" / "wily"), "build", ".", "-n", str(count)],
            cwd=copy,
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        caches = [home / ".wily", copy / ".wily"]
        size = sum(
            p.stat().st_size for cache in caches if cache.exists() for p in cache.rglob("*") if p.is_file()
        )
        print(f"wily: {count} revisions, cache {size} bytes")
        shutil.rmtree(copy, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=["pydriller", "wily"])
    parser.add_argument("repo")
    parser.add_argument("--limit", type=int, default=None, help="only the first N commits")
    parser.add_argument(
        "--newest", action="store_true", help="pydriller: the newest N commits, not the oldest"
    )
    args = parser.parse_args()
    if args.peer == "pydriller":
        naive_pydriller(args.repo, args.limit, args.newest)
    else:
        wily_build(args.repo, args.limit)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
