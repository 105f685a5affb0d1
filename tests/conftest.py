"""Shared fixtures: sample repositories built by `sample_repos`, and stores ingested from them.

Everything is real: git repositories written by git fast-import into a temp dir, Radon, an SQLite
file, the `qroi` command run as a subprocess exactly as a user runs it.
"""

from __future__ import annotations

import fcntl
import gc
import io
import os
import sqlite3
import subprocess
import sys
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.sample_repos.build import build
from qroi.store import database

ROOT = Path(__file__).resolve().parent.parent


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run git in a repository and return its stdout (bytes decoded leniently)."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=check)
    return done.stdout.decode("utf-8", "backslashreplace")


def run_qroi_on_terminal(*args: str) -> str:
    """The CLI on a pseudo-terminal (where progress bars are drawn): everything it showed."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    env.pop("QROI_DB", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "qroi", *args],
        cwd=ROOT,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def python_source(data: bytes) -> str:
    """Bytes -> text as `tokenize.open` (Python's own source reader) does it: cookie, BOM, newlines."""
    buffer = io.BytesIO(data)
    encoding, _ = tokenize.detect_encoding(buffer.readline)
    buffer.seek(0)
    return io.TextIOWrapper(buffer, encoding).read()


def run_qroi(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: a new process, its real exit code, stdout and stderr."""
    inherited = {k: v for k, v in os.environ.items() if k != "QROI_DB"}
    full_env = {**inherited, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qroi", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


@pytest.fixture(autouse=True, scope="module")
def _leave_gc_callbacks_as_found() -> Iterator[None]:
    """Hypothesis adds a garbage-collector callback for good once it has run a test. A SIGALRM
    arriving while that Python callback runs is swallowed as "unraisable", so tests later in the
    same process that rely on the scorer's signal-based time budget would see no timeout."""
    before = list(gc.callbacks)
    yield
    gc.callbacks[:] = before


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scenario: a few hundred commits with merges, tags, reverts and hostile files."""
    return build("demo", tmp_path_factory.mktemp("repos") / "widget")


def ingested(repo: Path, folder: Path, name: str) -> Path:
    """A new SQLite store at folder/name holding `repo`, ingested through the library."""
    path = folder / name
    engine = database.connect(str(path))
    ingest(engine, str(repo), IngestOptions(workers=2))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_repo: Path) -> Path:
    """An SQLite store holding the demo repository, ingested once per test session."""
    return ingested(demo_repo, tmp_path_factory.mktemp("stores"), "demo.db")


CLAIM_KINDS = ("effect", "null", "confounded")


@dataclass(frozen=True)
class ClaimHistories:
    """The three planted claim histories and the one store holding them (repositories named by kind)."""

    db: Path
    repos: dict[str, Path]


def _shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run share (the run's own base folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def claim_histories(tmp_path_factory: pytest.TempPathFactory) -> ClaimHistories:
    """The planted effect, null and confounded histories (2,000 commits each), ingested once per run.

    Ingesting them is minutes of CPU, and four test modules need them: the first worker to ask
    builds them under a lock in the run's shared temp folder, the others wait and reuse the store.
    Read it only; copy it with `copy_store` before writing.
    """
    root = _shared_temp(tmp_path_factory) / "claim-histories"
    root.mkdir(exist_ok=True)
    repos = {kind: root / kind for kind in CLAIM_KINDS}
    with open(root.with_suffix(".lock"), "a+") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        if not (root / "complete").exists():
            engine = database.connect(str(root / "claim.db"))
            for kind, repo in repos.items():
                build(f"claim_{kind}", repo)
                ingest(engine, str(repo), IngestOptions(workers=2))
            engine.dispose()
            (root / "complete").touch()
    return ClaimHistories(root / "claim.db", repos)


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite store (SQLite's backup API: WAL contents included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture(scope="session")
def ai_era_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ai_era scenario: every line operation, churn case and declaration planted, and a level shift."""
    return build("ai_era", tmp_path_factory.mktemp("repos") / "aiera")


@pytest.fixture(scope="session")
def ai_era_db(tmp_path_factory: pytest.TempPathFactory, ai_era_repo: Path) -> Path:
    """An SQLite store holding the ai_era repository (named "aiera"), ingested once per test session."""
    return ingested(ai_era_repo, tmp_path_factory.mktemp("stores"), "aiera.db")


@pytest.fixture
def demo_engine(demo_db: Path) -> Engine:
    engine = database.connect(str(demo_db))
    yield engine
    engine.dispose()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Build a fresh sample repository for a test that changes it."""

    def _make(name: str = "demo", commits: int | None = None, seed: int = 0, folder: str = "repo") -> Path:
        return build(name, tmp_path / folder, commits=commits, seed=seed)

    return _make
