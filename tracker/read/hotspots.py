"""Hotspots: Python files at HEAD ranked by how often they change times how complex they are."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.core import roles
from qroi.core.calendar import ALL_TIME, Period
from qroi.read import file_roles, lineage, sql
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
    "previous_paths",
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
    is per lineage (`qroi.read.lineage`): a file's commits under its earlier paths count for its
    path at HEAD, and `previous_paths` lists those paths ("; "-separated, oldest first); over all
    time the counts equal the `files` export's. Only files
    whose role (`qroi.core.roles`) is in `kept` are ranked: product code by default, since tests
    that change with every fix would otherwise lead the list; `globs` are the command's
    `--include`/`--exclude` (`qroi.read.file_roles`).
    """
    rid = repo_id(engine, repo)
    ch, c, hf, b = models.Change, models.Commit, models.HeadFile, models.Blob
    stmt = (
        select(
            hf.path,
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
        .where(hf.repo_id == rid)
    )
    files = sql.frame(engine, stmt)
    touched = sql.frame(
        engine,
        select(
            col(ch.path),
            col(ch.commit_id),
            col(c.is_bugfix),
            col(c.author_email),
            col(ch.added),
            col(ch.deleted),
            col(c.authored_ts),
            col(c.committed_ts),
        )
        .join(c, col(c.id) == col(ch.commit_id))
        .where(col(ch.repo_id) == rid, *window.where(col(c.committed_ts))),
    )
    touched, earlier = lineage.followed(engine, repo, touched, files["path"])
    files = files.join(_history(touched), on="path")
    for column in ("commits", "bugfix_commits", "authors", "added", "deleted"):
        files[column] = files[column].fillna(0).astype("int64")
    files["previous_paths"] = ["; ".join(earlier.get(p, [])) for p in files["path"]]
    files.insert(0, "repo", repo)
    files.insert(2, "role", file_roles.role_column(engine, repo, files["path"], globs))
    files = files[files["role"].isin(kept or {roles.PRODUCT})]
    files["score"] = files["commits"] * files["cc_total"].fillna(0)
    files = files.sort_values(["score", "commits", "path"], ascending=[False, False, True], kind="mergesort")
    return files.reset_index(drop=True)[HOTSPOT_COLUMNS]


def _history(touched: pd.DataFrame) -> pd.DataFrame:
    """Per (HEAD) path: commits, bug-fix commits, authors, lines added and deleted, last commit."""
    fixes = touched["commit_id"].where(touched["is_bugfix"].astype(bool))
    grouped = touched.assign(fix_id=fixes).groupby("path")
    return pd.DataFrame(
        {
            "commits": grouped["commit_id"].nunique(),
            "bugfix_commits": grouped["fix_id"].nunique(),
            "authors": grouped["author_email"].nunique(),
            "added": grouped["added"].sum(min_count=1).fillna(0),
            "deleted": grouped["deleted"].sum(min_count=1).fillna(0),
            "last_commit_ts": grouped["committed_ts"].max(),
        }
    )
