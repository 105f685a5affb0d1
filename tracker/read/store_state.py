"""What a store holds, as a reader sees it: where it is, whether it can be shown, a stamp of its content.

The dashboard reads stores it must never create or change: a missing SQLite file is an empty
store, not a new one, and a broken one is one line of explanation. The stamp changes with every
ingest and every issue import, so caches keyed by it never show stale figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import DBAPIError

from qroi.core.errors import QroiError
from qroi.store import ai_settings, database, migrate, models


@dataclass(frozen=True)
class StoreState:
    """Whether the store can be shown; `problem` says why not, in one line."""

    url: str
    shown: str
    problem: str | None
    empty: bool
    stamp: str


def store_url(value: str | None) -> str:
    """`--db` / `QROI_DB` value (None: the environment, else the default file) -> SQLAlchemy URL."""
    return database.database_url(value)


def open_engine(url: str) -> Engine:
    """An engine on the store at `url` (a clear QroiError if the URL or its driver is unusable)."""
    return database.connect(url)


def as_typed(url: str) -> str:
    """The store as a user would type it after --db: the file for SQLite, the URL (no password) otherwise."""
    path = database.sqlite_path(url)
    return str(path) if path is not None else database.shown(url)


def has_ai_tables(engine: Engine) -> bool:
    """Whether the store has the AI-era tables (a store from before them needs a new ingest)."""
    return ai_settings.has_tables(engine)


def probe(url: str, engine_for: Callable[[str], Engine]) -> StoreState:
    """Check the store at `url` without ever creating or changing it (`engine_for` may cache engines)."""
    shown = database.shown(url)
    path = database.sqlite_path(url)
    if path is not None and not path.exists():
        return StoreState(url, shown, None, True, "")
    try:
        engine = engine_for(url)
        tables = inspect(engine)
        if not tables.has_table(models.Repo.__tablename__):
            return StoreState(url, shown, None, True, "")
        with engine.connect() as conn:
            revision = migrate.current(conn)
            if revision is not None and revision != migrate.head():
                migrate.check_known(revision)  # a newer qroi's store: its own one line
                problem = (
                    f"its schema revision {revision} is older than this qroi's {migrate.head()}: run "
                    "`qroi ingest` on each repository again to upgrade it in place (nothing is re-mined)"
                )
                return StoreState(url, shown, problem, True, "")
            repos, last = conn.execute(select(func.count(), func.max(models.Repo.last_ingest_ts))).one()
            top = conn.execute(select(func.max(models.Commit.id))).scalar()
            i = models.Issue
            issues = (
                conn.execute(
                    select(func.count(), func.max(i.id), func.sum(func.coalesce(i.closed_ts, 0)))
                ).one()
                if tables.has_table(i.__tablename__)
                else ()
            )
    except (DBAPIError, QroiError) as exc:
        detail = database.describe_db_error(engine_for(url), exc) if isinstance(exc, DBAPIError) else str(exc)
        return StoreState(url, shown, detail, True, "")
    return StoreState(url, shown, None, repos == 0 or top is None, f"{repos}:{last}:{top}:{issues}")
