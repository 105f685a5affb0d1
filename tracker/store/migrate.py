"""Bring a store's schema to the current version with Alembic, in place.

Every write command calls `upgrade` first, so a store created by an older qroi is upgraded on its
next ingest. Stores written before qroi used Alembic have no `alembic_version` table; their
revision is recognised by the tables they have, then they are stamped and upgraded like any other.
Two processes upgrading one store at once are serialized (SQLite's write lock, a PostgreSQL
advisory lock), so a half-applied migration is never seen.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from qroi.core.errors import QroiError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Tables that first appeared in each revision: how a pre-Alembic store shows its version.
FIRST_TABLE = (("0003", "commit_features"), ("0002", "merge_changes"), ("0001", "repos"))
# Columns every qroi store has had since the first revision: another application's `repos` and
# `commits` tables lack them, and such a file is refused before anything is written to it.
OWN_COLUMNS = {"repos": {"id", "name", "source"}, "commits": {"id", "repo_id", "sha", "parents"}}
_LOCK_KEY = 0x71726F69  # "qroi": the advisory lock taken while migrating a PostgreSQL store


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this qroi knows."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current(connection: Connection) -> str | None:
    """The store's revision: stamped, recognised from a pre-Alembic schema, or None if empty."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None:
        return revision
    tables = set(inspect(connection).get_table_names())
    return next((rev for rev, table in FIRST_TABLE if table in tables), None)


def _check_ownership(connection: Connection) -> None:
    """Refuse a database whose `repos`/`commits` tables belong to someone else."""
    schema = inspect(connection)
    tables = set(schema.get_table_names())
    for table, wanted in OWN_COLUMNS.items():
        if table in tables:
            missing = wanted - {c["name"] for c in schema.get_columns(table)}
            if missing:
                raise QroiError(
                    f"not a qroi store: its {table!r} table belongs to another application (no "
                    f"{', '.join(sorted(missing))} column); nothing was written. Use another --db"
                )


def check_known(revision: str | None) -> None:
    """A store stamped by a newer qroi cannot be upgraded (or safely written) by this one."""
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if revision not in known:
        raise QroiError(
            f"this store was written by a newer qroi (schema revision {revision}; this qroi knows up to "
            f"{head()}): upgrade qroi to write to it"
        )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the store to `head()`; returns (revision before, revision after).

    Checked before anything is written, inside the same transaction: that the tables are qroi's,
    and that the revision is one this qroi knows.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        before = current(connection)
        check_known(before)
        if MigrationContext.configure(connection).get_current_revision() is None:
            _check_ownership(connection)
        config = _config(connection)
        if before is not None and MigrationContext.configure(connection).get_current_revision() is None:
            command.stamp(config, before)
        if before != head():
            command.upgrade(config, "head")
    return before, head()
