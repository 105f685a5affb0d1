"""The store: engine set-up, schema, locks and batched writes.

SQLite (one file, WAL mode) is the default; any SQLAlchemy URL (PostgreSQL for teams) works the
same. Writes go through SQLAlchemy Core with lists of dicts, one transaction per batch of commits,
so an interrupted ingest leaves whole batches or nothing. All SQL is parameterized.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Table, bindparam, create_engine, event, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import col

from qroi.core.errors import QroiError
from qroi.store import migrate, models

DEFAULT_DB = "qroi.db"
CHUNK = 500


def database_url(text_or_path: str | None) -> str:
    """`--db` / `QROI_DB` value -> SQLAlchemy URL; a bare path means an SQLite file."""
    value = text_or_path or os.environ.get("QROI_DB") or DEFAULT_DB
    return value if "://" in value else f"sqlite:///{value}"


def shown(url: str) -> str:
    """The URL as it may appear in messages: never with a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL (plain or `file:` URI form); None for other databases or memory."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise QroiError(f"cannot use database URL {url[:80]!r}: not a database URL ({exc})") from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database).expanduser()


def read_only_url(path: Path) -> str:
    """An SQLite URL that reads `path` without writing beside it (a read-only folder or mount).

    A WAL store needs its `-shm` file even to read; where that cannot be created, SQLite refuses
    to open it ("unable to open database file") unless told the file cannot change (immutable).
    Changes still in a `-wal` file left by a crashed writer are not seen.
    """
    return f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&immutable=1&uri=true"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 60000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def connect(url: str | None) -> Engine:
    """An engine for the store; a clear error if the URL or its driver is unusable."""
    full = database_url(url)
    try:
        path = sqlite_path(full)
        if path is not None and not path.resolve().parent.is_dir():
            raise QroiError(f"cannot open store {shown(full)}: folder {path.resolve().parent} does not exist")
        engine = create_engine(full)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise QroiError(f"cannot use database URL {shown(full)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe_db_error(engine: Engine, exc: BaseException) -> str:
    """One line for a database failure, naming the store without secrets."""
    orig = getattr(exc, "orig", None) or exc
    detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"store {shown(str(engine.url))} is unusable: {detail}"


def init_schema(engine: Engine) -> None:
    """Create or upgrade the schema (Alembic migrations) and switch SQLite to WAL mode.

    WAL lets readers (the dashboard) work while an ingest writes. A store that cannot be written
    (read-only file, corrupt file) fails here, before any mining.
    """
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock: fails if read-only
                conn.exec_driver_sql("ROLLBACK")
        migrate.upgrade(engine)  # first: it refuses a foreign or newer file before anything is written
        if engine.dialect.name == "sqlite":
            _switch_to_wal(engine)
    except DBAPIError as exc:
        raise QroiError(describe_db_error(engine, exc)) from exc


def _switch_to_wal(engine: Engine, patience: float = 60.0) -> None:
    """Put an SQLite store in WAL mode, waiting for other writers as the busy timeout would.

    Leaving rollback-journal mode needs the file to itself, and SQLite answers "database is
    locked" at once, without its busy handler, while another process holds a lock: concurrent
    ingests into a new shared file would fail here. Once one of them switched, the rest find WAL.
    """
    deadline = time.monotonic() + patience
    with engine.connect() as conn:
        while conn.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
            try:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
            except DBAPIError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails at once with "database
    is locked" when another writer committed in between (the busy timeout does not apply to that
    upgrade); concurrent ingests of different repositories into one file would trip over it.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def check_readable(engine: Engine) -> None:
    """Fail early, in one line, on a corrupt, foreign or outdated store before any command reads it."""
    try:
        with engine.connect() as conn:
            conn.execute(select(models.Repo.id).limit(1)).all()
            revision = migrate.current(conn)
    except DBAPIError as exc:
        raise QroiError(describe_db_error(engine, exc)) from exc
    if revision is not None and revision != migrate.head():
        migrate.check_known(revision)
        # Readers never write, and an upgrade may need git (0005 classifies every commit).
        raise QroiError(
            f"store {shown(str(engine.url))} has schema revision {revision}, older than this qroi's "
            f"{migrate.head()}: run `qroi ingest REPO --db ...` once to upgrade it in place"
        )


@contextmanager
def repo_lock(engine: Engine, repo_name: str) -> Iterator[None]:
    """Refuse a second concurrent ingest of the same repository into the same store.

    SQLite: a POSIX record lock (`lockf`) on a file beside the database; PostgreSQL: a session
    advisory lock. Both are released by the operating system or the server when the process dies,
    so a killed run never leaves a stale lock behind. (An `flock` would be inherited by forked
    scoring workers and outlive a killed parent.)
    """
    key = int.from_bytes(hashlib.sha256(repo_name.encode()).digest()[:8], "big", signed=True)
    busy = QroiError(f"another qroi ingest of {repo_name!r} is running on this store; wait for it to finish")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise busy
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    database = sqlite_path(str(engine.url))
    if database is None:
        yield
        return
    lock_path = Path(f"{database}.lock-{key & 0xFFFFFFFF:08x}")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise busy from exc
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def open_store(db: str | None, write: bool = False) -> Engine:
    """An engine on the store; readers refuse a store that does not exist rather than create one."""
    url = database_url(db)
    path = sqlite_path(url)
    if not write and path is not None and not path.exists():
        raise QroiError(f"no store at {path}; run `qroi ingest PATH` first (or pass --db)")
    if not write and path is not None and not os.access(path.resolve().parent, os.W_OK):
        url = read_only_url(path)
    engine = connect(url)
    if not write:
        check_readable(engine)
    return engine


def _dialect_insert(conn: Connection, table: Table):
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str) -> set[Any]:
    """Insert rows whose `key` is not stored yet; return the keys this call inserted.

    Concurrent ingests of different repositories may score the same blob: the first writer wins
    and the other's identical row is skipped.
    """
    inserted: set[Any] = set()
    for start in range(0, len(rows), CHUNK):
        stmt = (
            _dialect_insert(conn, table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
        )
        inserted.update(conn.execute(stmt, list(rows[start : start + CHUNK])).scalars().all())
    return inserted


def insert_returning_ids(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> dict[Any, int]:
    """Insert rows and map each row's `key` to its new primary key."""
    ids: dict[Any, int] = {}
    for start in range(0, len(rows), CHUNK):
        stmt = table.insert().returning(table.c[key], table.c.id, sort_by_parameter_order=True)
        ids.update(dict(conn.execute(stmt, list(rows[start : start + CHUNK])).all()))
    return ids


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), list(rows[start : start + CHUNK]))


def update_rows(
    conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]], columns: Iterable[str]
) -> None:
    """UPDATE table SET columns WHERE key = row[key], for many rows: one statement, executed in chunks."""
    cols = list(columns)
    if not rows or not cols:
        return
    stmt = (
        update(table)
        .where(table.c[key] == bindparam(f"b_{key}"))
        .values({c: bindparam(f"b_{c}") for c in cols})
    )
    for part in chunks(rows):
        conn.execute(stmt, [{f"b_{k}": row[k] for k in (key, *cols)} for row in part])


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def pick_repo(engine: Engine, name: str | None) -> str:
    """The repository a command works on: the one named, or the only one the store holds.

    A new user with one ingested repository should not have to repeat its name; with several,
    the error names them all.
    """
    if name is not None:
        repo_id(engine, name)
        return name
    with engine.connect() as conn:
        names = list(conn.execute(select(col(models.Repo.name)).order_by(col(models.Repo.name))).scalars())
    if len(names) == 1:
        return names[0]
    if not names:
        raise QroiError("the store holds no repository yet; run `qroi ingest PATH` first")
    raise QroiError(f"the store holds {len(names)} repositories; name one (stored: {', '.join(names)})")


def repo_id(engine: Engine, name: str) -> int:
    """The id of a stored repository; a clear error naming the stored ones otherwise."""
    with engine.connect() as conn:
        found = conn.execute(select(models.Repo.id).where(models.Repo.name == name)).scalar()
        if found is None:
            names = conn.execute(select(models.Repo.name).order_by(models.Repo.name)).scalars().all()
            known = ", ".join(names) if names else "none yet; run `qroi ingest PATH` first"
            raise QroiError(f"no repository named {name!r} in the store (stored: {known})")
    return found
