"""The cached headline of the claim test, read without the analyses (no pandas, no statsmodels).

`qroi ingest` ends by naming the headline; when the cached one is still current (the store has
the commits and HEAD it was computed on) that is a query, and an ingest that found nothing new
stays a second's work instead of loading the statistics stack. The one freshness rule lives here.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlmodel import col

from qroi.store import models
from qroi.store.database import repo_id


def content(conn: Connection, rid: int) -> tuple[int, str | None]:
    """What a headline rests on: the repository's stored commits and HEAD."""
    commits = conn.execute(
        select(func.count()).select_from(models.Commit).where(col(models.Commit.repo_id) == rid)
    ).scalar_one()
    head = conn.execute(select(col(models.Repo.head_sha)).where(col(models.Repo.id) == rid)).scalar()
    return int(commits), head


def current(engine: Engine, repo: str) -> str | None:
    """The cached headline's JSON while it is current; None when stale, absent or from before the cache."""
    if not inspect(engine).has_table(models.Headline.__tablename__):
        return None
    rid = repo_id(engine, repo)
    h = models.Headline
    with engine.connect() as conn:
        row = conn.execute(
            select(col(h.commits), col(h.head_sha), col(h.result)).where(col(h.repo_id) == rid)
        ).first()
        if row is None or (row.commits, row.head_sha) != content(conn, rid):
            return None
    return str(row.result)


def answer(result: str) -> str:
    """The family's one-word answer (yes / no / opposite / unclear / cannot) of a cached headline."""
    return str(json.loads(result)["answer"])
