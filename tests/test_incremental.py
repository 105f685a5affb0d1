"""A second ingest adds nothing; new commits are added exactly; a killed run resumes identically."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.store import database, models
from tests.conftest import ROOT, git, run_qroi
from tests.storedump import dump


def _commit(repo: Path, path: str, text: str, message: str, when: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    env = {
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "New Dev",
        "GIT_AUTHOR_EMAIL": "new@dev.example",
        "GIT_COMMITTER_NAME": "New Dev",
        "GIT_COMMITTER_EMAIL": "new@dev.example",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def test_second_ingest_adds_nothing(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    db = tmp_path / "s.db"
    first = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db))
    assert first.returncode == 0, first.stderr
    before = dump(database.connect(str(db)), "repo")
    second = run_qroi("ingest", str(repo), "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "up to date, 0 new commits" in second.stderr
    assert dump(database.connect(str(db)), "repo") == before


def test_new_commits_are_added_exactly(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    db = tmp_path / "inc.db"
    engine = database.connect(str(db))
    ingest(engine, str(repo))
    old = set(git(repo, "rev-list", "HEAD").split())
    new = [
        _commit(
            repo,
            "src/widget/newmod.py",
            "def f(x):\n    if x:\n        return 1\n    return 2\n",
            "Add newmod (#77)",
            "2024-01-02T10:00:00+0200",
        ),
        _commit(
            repo,
            "src/widget/newmod.py",
            "def f(x):\n    return 1 if x else 2\n",
            "Fix crash in newmod, fixes #77",
            "2024-01-03T10:00:00-0500",
        ),
    ]
    result = ingest(engine, str(repo))
    assert result.commits_added == 2
    with engine.connect() as conn:
        stored = set(conn.execute(select(models.Commit.sha)).scalars())
    assert stored == old | set(new)
    # Incremental equals from scratch, row for row.
    fresh = database.connect(str(tmp_path / "fresh.db"))
    ingest(fresh, str(repo))
    assert dump(engine, "repo") == dump(fresh, "repo")


def test_killed_run_resumes_to_the_same_store(make_repo, tmp_path: Path) -> None:
    repo = make_repo("large", commits=1500)
    killed_db = tmp_path / "killed.db"
    cmd = [
        sys.executable,
        "-m",
        "qroi",
        "ingest",
        str(repo),
        "--db",
        str(killed_db),
        "--batch-size",
        "40",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(killed_db, timeout=1) as conn:
                stored = conn.execute("SELECT count(*) FROM commits").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if stored >= 200:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 200 <= stored < 1500, f"the run was not killed mid-way ({stored} commits stored)"
    engine = database.connect(str(killed_db))
    with engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(models.Commit)).scalar_one()
        assert partial % 40 == 0  # whole batches only
    resumed = run_qroi("ingest", "--no-headline", str(repo), "--db", str(killed_db))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{1500 - partial:,} new commits" in resumed.stderr
    assert dump(engine, "repo") == dump(_fresh(repo, tmp_path), "repo")


def test_unshallowing_mines_the_older_history_and_fixes_the_boundary(demo_repo: Path, tmp_path: Path) -> None:
    """Before: the second ingest said "up to date" and kept the boundary's whole-tree diff."""
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "20", demo_repo.as_uri(), str(clone)], check=True)
    db = tmp_path / "s.db"
    assert (
        run_qroi(
            "ingest", "--no-headline", str(clone), "--db", str(db), "--name", "repo", "--quiet"
        ).returncode
        == 0
    )
    shallow_count = len(git(clone, "rev-list", "HEAD").split())
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    full_count = len(git(clone, "rev-list", "HEAD").split())
    assert full_count > shallow_count
    again = run_qroi("ingest", "--no-headline", str(clone), "--db", str(db), "--name", "repo")
    assert again.returncode == 0, again.stderr
    assert "stored root commits gained parents (the clone was deepened)" in again.stderr
    assert f"({full_count:,} stored)" in again.stderr
    fresh = database.connect(str(tmp_path / "fresh.db"))
    ingest(fresh, str(clone), IngestOptions(name="repo"))
    assert dump(database.connect(str(db)), "repo") == dump(fresh, "repo")


def test_rewritten_history_is_said_and_only_the_current_history_counts(make_repo, tmp_path: Path) -> None:
    """Before: the 10 commits a reset removed stayed stored and counted in every analysis."""
    repo = make_repo()
    db = tmp_path / "r.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    git(repo, "reset", "-q", "--hard", "HEAD~10")
    _commit(repo, "src/widget/late.py", "def late():\n    return 1\n", "Add late", "2024-02-01T10:00:00+0000")
    current = set(git(repo, "rev-list", "HEAD").split())
    again = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "stored commits are no longer in the branch's history" in again.stderr
    engine = database.connect(str(db))
    with engine.connect() as conn:
        stored = set(conn.execute(select(models.Commit.sha)).scalars())
    assert stored == current
    assert dump(engine, "repo") == dump(_fresh(repo, tmp_path), "repo")
    assert "up to date" in run_qroi("ingest", str(repo), "--db", str(db)).stderr  # and it stays settled


def _fresh(repo: Path, folder: Path) -> Engine:
    engine = database.connect(str(folder / "fresh.db"))
    ingest(engine, str(repo))
    return engine


def test_every_table_derived_from_history_is_forgotten_on_a_rewrite() -> None:
    """A new table with a repo_id must be listed in rewind.DERIVED, or named here as kept."""
    from sqlmodel import SQLModel

    from qroi.store import rewind

    kept = {"repos", "issues", "delivery_state", "ai_state"}
    with_repo = {t.name for t in SQLModel.metadata.tables.values() if "repo_id" in t.c or t.name == "repos"}
    assert {m.__tablename__ for m in rewind.DERIVED} == with_repo - kept
