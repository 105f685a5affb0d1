"""Build a deterministic sample git repository: `python -m qroi.sample_repos.build NAME DEST`.

Tests and benchmarks never touch third-party repositories; they build one of these instead. The
same scenario, seed and size give the same commit shas on every run (on one Python version), so
a test can build twice and compare, and a benchmark can rebuild instead of caching.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from random import Random

from qroi.sample_repos import truth
from qroi.sample_repos.activity import Activity
from qroi.sample_repos.corpus import Corpus, python_version
from qroi.sample_repos.fastimport import FastImport, FastImportError
from qroi.sample_repos.history import START, TRUNK, Clock, History
from qroi.sample_repos.messages import Messages
from qroi.sample_repos.scenarios import (
    Context,
    Scenario,
    ai_era,
    claim,
    delivery,
    demo,
    growth,
    large,
    payback,
    pull_request,
    regression,
    speed,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        demo.SCENARIO,
        large.SCENARIO,
        claim.EFFECT,
        claim.NULL,
        claim.CONFOUNDED,
        delivery.SCENARIO,
        ai_era.SCENARIO,
        pull_request.SCENARIO,
        regression.SCENARIO,
        speed.SCENARIO,
        *payback.SCENARIOS,
        *growth.SCENARIOS,
    )
}


class BuildError(Exception):
    """A refusal or failure with a one-line explanation for the user."""


def git_env(home: Path) -> dict[str, str]:
    """A minimal environment: no system/global config, no GIT_* leaking in, fixed locale and zone."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "LANG": "C",
        "TZ": "UTC",
    }


def _git(env: dict[str, str], *args: str, stdin: str = "") -> None:
    try:
        done = subprocess.run(
            ["git", *args], env=env, input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BuildError("git is not installed or not on PATH") from error
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BuildError(f"git {' '.join(args[:3])} failed: {detail}")


def _check_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BuildError(f"{dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()):
        raise BuildError(f"{dest} is not empty; refusing to build a sample repository into it")


def _populate(
    scenario: Scenario, git_dir: Path, env: dict[str, str], commits: int, seed: int
) -> tuple[History, list[str]]:
    """Run the scenario into one fast-import stream; every random stream is derived from the seed."""
    streams = {
        part: Random(f"{scenario.name}:{seed}:{part}") for part in ("people", "work", "words", "script")
    }
    writer = FastImport(git_dir, env)
    try:
        clock = Clock(streams["people"], START, scenario.span_days, commits)
        history = History(writer, streams["people"], clock)
        corpus = Corpus()
        messages = Messages(streams["words"])
        activity = Activity(history, corpus, streams["work"], messages)
        scenario.populate(Context(history, activity, messages, corpus, streams["script"], commits))
        if history.count != commits:
            raise BuildError(f"scenario {scenario.name} wrote {history.count} commits instead of {commits}")
        history.finish()
    except BaseException:
        writer.abort()
        raise
    return history, sorted(corpus.used)


def build(name: str, dest: Path, commits: int | None = None, seed: int = 0, bare: bool = False) -> Path:
    """Build scenario `name` into the empty or missing directory `dest` and return its path.

    The repository has `commits` commits on `main` (the scenario's default if None), a checked-out
    work tree at HEAD unless `bare`, and the planted facts in `.git/qroi-truth.json`.
    """
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise BuildError(f"unknown scenario {name!r}; choose from {', '.join(sorted(SCENARIOS))}")
    commits = scenario.default_commits if commits is None else commits
    if commits < scenario.min_commits:
        raise BuildError(f"scenario {name} needs at least {scenario.min_commits} commits, got {commits}")
    dest = Path(dest).absolute()
    _check_dest(dest)
    existed = dest.exists()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"cannot create {dest}: {error.strerror}") from error
    env = git_env(dest)
    try:
        _git(env, "init", "-q", "-b", TRUNK, "--template=", *(["--bare"] if bare else []), str(dest))
        git_dir = dest if bare else dest / ".git"
        history, stdlib_files = _populate(scenario, git_dir, env, commits, seed)
        gone = "".join(f"delete refs/heads/{branch}\n" for branch in history.deleted_branches)
        _git(env, f"--git-dir={git_dir}", "update-ref", "--stdin", stdin=gone)
        if not bare:
            _git(env, "-C", str(dest), "reset", "-q", "--hard", "HEAD")
        about = {
            "scenario": name,
            "seed": seed,
            "commits": commits,
            "bare": bare,
            "python": python_version(),  # the stdlib text, hence every sha, depends on it
            "stdlib_files": stdlib_files,
        }
        truth.write(git_dir, truth.manifest(history, about))
    except BaseException as error:
        shutil.rmtree(dest, ignore_errors=True)
        if existed:
            dest.mkdir()
        if isinstance(error, FastImportError):
            raise BuildError(str(error)) from error
        raise
    return dest


def main(argv: list[str] | None = None) -> int:
    """CLI entry: one summary line on success, one `error:` line and exit 2 on bad input."""
    listing = "\n".join(
        f"  {s.name:<8} {s.summary} (default {s.default_commits})" for s in SCENARIOS.values()
    )
    parser = argparse.ArgumentParser(
        prog="python -m qroi.sample_repos.build",
        description="Build a deterministic sample git repository for qroi's tests and benchmarks.",
        epilog=f"scenarios:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", help="scenario name")
    parser.add_argument("dest", type=Path, help="directory to create (must be missing or empty)")
    parser.add_argument("--commits", type=int, default=None, help="number of commits on main")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--bare", action="store_true", help="build a bare repository (no work tree)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        repo = build(args.name, args.dest, args.commits, args.seed, args.bare)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    manifest = truth.load(repo)
    print(
        f"built {args.name} (seed {args.seed}): {manifest['commit_count']} commits, "
        f"HEAD {manifest['head'][:12]}, in {time.perf_counter() - started:.1f}s at {repo}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
