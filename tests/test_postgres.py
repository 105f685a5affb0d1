"""The whole path (ingest, export, summary, analyze) on a real PostgreSQL server equals SQLite's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from qroi.read import export
from qroi.store import database
from tests.conftest import run_qroi
from tests.storedump import dump

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _server_up() -> bool:
    try:
        with create_engine(f"{SERVER}/test").connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database on the local server (.ci/run starts it), dropped afterwards."""
    if not _server_up():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (start it: see .ci/run)")
    name = f"qroi_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{SERVER}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_store_equals_sqlite_store(
    pg_url: str, demo_repo: Path, demo_db: Path, tmp_path: Path
) -> None:
    ingested = run_qroi("ingest", "--no-headline", str(demo_repo), "--db", pg_url)
    assert ingested.returncode == 0, ingested.stderr
    assert dump(database.connect(pg_url), "widget") == dump(database.connect(str(demo_db)), "widget")
    again = run_qroi("ingest", str(demo_repo), "--db", pg_url)
    assert "up to date" in again.stderr
    pg = run_qroi("export", "commits", "-r", "widget", "--db", pg_url)
    lite = run_qroi("export", "commits", "-r", "widget", "--db", str(demo_db))
    assert pg.returncode == 0, pg.stderr
    assert pg.stdout == lite.stdout
    # The other tables through the functions `qroi export` calls, in this process (a process each
    # would be seconds of imports for the same comparison).
    engines = [database.connect(pg_url), database.connect(str(demo_db))]
    for table in ("changes", "files", "functions"):
        pg_text, lite_text = (export.csv_text(export.table(e, table, "widget")) for e in engines)
        assert pg_text == lite_text, table
    for engine in engines:
        engine.dispose()
    for args in (("summary", "widget"), ("analyze", "widget", "--window", "3M", "--boot", "0")):
        pg = run_qroi(*args, "--db", pg_url)
        lite = run_qroi(*args, "--db", str(demo_db))
        assert pg.returncode == 0, pg.stderr
        assert pg.stdout == lite.stdout, args
    listing = run_qroi("repos", "--db", pg_url)
    assert "widget" in listing.stdout and "postgres@127.0.0.1" in listing.stderr
