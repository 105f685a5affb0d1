"""Schema changes go through Alembic; a store written by an older qroi is upgraded in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from qroi.store import database, migrate
from tests.conftest import ROOT, run_qroi
from tests.storedump import dump

# The first qroi that stored anything (before merge_changes, delivery signals and Alembic).
FIRST_RELEASE = "27a9955"


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = database.connect(str(tmp_path / "fresh.db"))
    database.init_schema(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.head()


@pytest.fixture
def older_qroi(tmp_path: Path) -> Path:
    """The project as it was at its first stored-schema commit, checked out beside this one."""
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{FIRST_RELEASE}^{{commit}}"]).returncode:
        pytest.fail(f"commit {FIRST_RELEASE} (the older qroi) is missing from this clone's history")
    target = tmp_path / "qroi-old"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(target), FIRST_RELEASE],
        check=True,
        capture_output=True,
    )
    yield target
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)], capture_output=True
    )


def test_store_of_an_older_qroi_is_upgraded_in_place(
    older_qroi: Path, demo_repo: Path, tmp_path: Path
) -> None:
    old_db, fresh_db = tmp_path / "old.db", tmp_path / "fresh.db"
    env = {k: v for k, v in os.environ.items() if k not in ("QROI_DB", "PYTHONPATH")}
    old = subprocess.run(
        [sys.executable, "-m", "tracker", "ingest", str(demo_repo), "--db", str(old_db)],
        cwd=older_qroi,
        env=env,
        capture_output=True,
        text=True,
    )
    assert old.returncode == 0, old.stderr
    engine = database.connect(str(old_db))
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert "alembic_version" not in tables and "merge_changes" not in tables
        assert migrate.current(conn) == "0001"
        stored = conn.execute(text("SELECT count(*) FROM commits")).scalar()
    upgraded = run_qroi("ingest", "--no-headline", str(demo_repo), "--db", str(old_db))
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date, 0 new commits" in upgraded.stderr  # nothing re-mined: the data was kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.head()
        assert conn.execute(text("SELECT count(*) FROM commits")).scalar() == stored
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    # Upgraded in place = what the current qroi stores from scratch, table by table (merge diffs
    # backfilled from git, delivery signals computed for the old commits).
    assert run_qroi("ingest", "--no-headline", str(demo_repo), "--db", str(fresh_db)).returncode == 0
    assert dump(engine, "widget") == dump(database.connect(str(fresh_db)), "widget")


def test_readers_refuse_a_store_of_an_older_schema_in_one_line_and_leave_it_as_it_was(tmp_path: Path) -> None:
    """A store one migration behind (here 0004: no change kinds) cannot answer today's queries;
    readers say how to upgrade it instead of failing on a missing column, and never write."""
    from alembic import command

    db = tmp_path / "older.db"
    engine = database.connect(str(db))
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0004")
    before = db.read_bytes()
    for args in (("summary",), ("analyze",), ("export", "commits"), ("repos",)):
        result = run_qroi(*args, "--db", str(db))
        assert result.returncode == 2, (args, result.stderr)
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert "schema revision 0004" in line and "qroi ingest" in line, line
    assert db.read_bytes() == before
