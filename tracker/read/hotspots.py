"""Hotspots: Python files at HEAD ranked by how often they change times how complex they are."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func, select

from qroi.core import roles
from qroi.core.calendar import ALL_TIME, Period
from qroi.read import file_roles, sql
from qroi.store import models
from qroi.store.database import repo_id

HOTSPOT_COLUMNS = [
    "repo",
    "path",
    "role",
    "commits",
    "bugfix_commits",
    "authors",
    "added",
    "deleted",
    "sloc",
    "cc_total",
    "cc_max",
    "functions",
    "c_or_worse",
    "mi",
    "mi_rank",
    "error_kind",
    "last_commit_ts",
    "score",
]


def hotspots(
    engine: Engine,
    repo: str,
    window: Period = ALL_TIME,
    kept: frozenset[str] | None = None,
    globs: roles.Overrides | None = None,
) -> pd.DataFrame:
    """Python files at HEAD ranked by change frequency in the window x total complexity at HEAD.

    Tornhill's hotspot heuristic (the ranking `qroi summary` prints): complexity that never
    changes costs little; complexity that changes every week is where quality costs most. History
    is by path, as in the `files` export; over all time the counts equal that table's. Only files
    whose role (`qroi.core.roles`) is in `kept` are ranked: product code by default, since tests
    that change with every fix would otherwise lead the list; `globs` are the command's
    `--include`/`--exclude` (`qroi.read.file_roles`).
    """
    rid = repo_id(engine, repo)
    ch, c, hf, b = models.Change, models.Commit, models.HeadFile, models.Blob
    history = (
        select(
            ch.path,
            func.count(func.distinct(ch.commit_id)).label("commits"),
            func.count(func.distinct(case((c.is_bugfix, ch.commit_id)))).label("bugfix_commits"),
            func.count(func.distinct(c.author_email)).label("authors"),
            func.coalesce(func.sum(ch.added), 0).label("added"),
            func.coalesce(func.sum(ch.deleted), 0).label("deleted"),
            func.max(c.committed_ts).label("last_commit_ts"),
        )
        .join(c, c.id == ch.commit_id)
        .where(ch.repo_id == rid, *window.where(c.committed_ts))
        .group_by(ch.path)
        .subquery()
    )
    stmt = (
        select(
            hf.path,
            func.coalesce(history.c.commits, 0).label("commits"),
            func.coalesce(history.c.bugfix_commits, 0).label("bugfix_commits"),
            func.coalesce(history.c.authors, 0).label("authors"),
            func.coalesce(history.c.added, 0).label("added"),
            func.coalesce(history.c.deleted, 0).label("deleted"),
            history.c.last_commit_ts,
            b.sloc,
            b.cc_total,
            b.cc_max,
            b.functions,
            b.c_or_worse,
            b.mi,
            b.mi_rank,
            b.error_kind,
        )
        .outerjoin(b, b.blob == hf.blob)
        .outerjoin(history, history.c.path == hf.path)
        .where(hf.repo_id == rid)
    )
    files = sql.frame(engine, stmt)
    files.insert(0, "repo", repo)
    files.insert(2, "role", file_roles.role_column(engine, repo, files["path"], globs))
    files = files[files["role"].isin(kept or {roles.PRODUCT})]
    files["score"] = files["commits"] * files["cc_total"].fillna(0)
    files = files.sort_values(["score", "commits", "path"], ascending=[False, False, True], kind="mergesort")
    return files.reset_index(drop=True)[HOTSPOT_COLUMNS]
