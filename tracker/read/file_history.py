"""One file across the commits that changed it, followed back through renames."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, and_, select

from qroi.read import queries, sql
from qroi.store import models
from qroi.store.database import repo_id

MAX_RENAME_HOPS = 100


FILE_HISTORY_COLUMNS = [
    "repo",
    "sha",
    "committed_ts",
    "committed_at",
    "author_name",
    "subject",
    "is_bugfix",
    "is_revert",
    "path",
    "old_path",
    "change_type",
    "added",
    "deleted",
    "blob",
    "sloc",
    "cc_total",
    "cc_max",
    "mi",
    "functions",
    "c_or_worse",
    "error_kind",
]


def file_history(engine: Engine, repo: str, path: str) -> pd.DataFrame:
    """Every commit that changed a file, oldest first, with the file's scores after each change.

    Renames are followed backwards: the history of `src/a.py` renamed from `lib/a.py` includes
    `lib/a.py`'s commits before the rename. A deleting change has no blob and no scores.
    """
    rid = repo_id(engine, repo)
    ch, c, b = models.Change, models.Commit, models.Blob
    base = (
        select(
            c.sha,
            c.generation,
            c.committed_ts,
            c.author_name,
            c.message,
            c.is_bugfix,
            c.is_revert,
            ch.path,
            ch.old_path,
            ch.change_type,
            ch.added,
            ch.deleted,
            ch.new_blob.label("blob"),
            b.sloc,
            b.cc_total,
            b.cc_max,
            b.mi,
            b.functions,
            b.c_or_worse,
            b.error_kind,
        )
        .join(c, c.id == ch.commit_id)
        .outerjoin(b, b.blob == ch.new_blob)
    )
    parts: list[pd.DataFrame] = []
    current, before_gen, seen = path, None, set()
    for _ in range(MAX_RENAME_HOPS):
        conds = [ch.repo_id == rid, ch.path == current]
        if before_gen is not None:
            conds.append(c.generation < before_gen)
        rows = sql.frame(engine, base.where(and_(*conds)))
        parts.append(rows)
        renames = rows[(rows["change_type"] == "rename") & rows["old_path"].notna()].sort_values("generation")
        seen.add(current)
        if renames.empty or renames.iloc[0]["old_path"] in seen:
            break
        current, before_gen = renames.iloc[0]["old_path"], int(renames.iloc[0]["generation"])
    hist = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    hist = sql.bools(hist, "is_bugfix", "is_revert")
    hist = hist.sort_values(["generation", "committed_ts", "sha"], kind="mergesort").reset_index(drop=True)
    hist.insert(0, "repo", repo)
    hist["committed_at"] = queries.utc(hist["committed_ts"])
    hist["subject"] = hist["message"].str.split("\n", n=1).str[0]
    return hist[FILE_HISTORY_COLUMNS]


def historical_paths(engine: Engine, repo: str) -> list[str]:
    """Every Python path the history ever touched (files deleted since have a history too)."""
    rid = repo_id(engine, repo)
    ch = models.Change
    stmt = select(ch.path).where(ch.repo_id == rid, ch.is_python).distinct().order_by(ch.path)
    with engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def blob_functions(engine: Engine, blob: str) -> pd.DataFrame:
    """Functions and methods of one file version, most complex first."""
    f = models.Function
    stmt = (
        select(f.name, f.class_name, f.lineno, f.endline, f.complexity, f.rank)
        .where(f.blob == blob)
        .order_by(f.complexity.desc(), f.lineno)
    )
    funcs = sql.frame(engine, stmt)
    funcs["qualified"] = [
        f"{k}.{n}" if isinstance(k, str) and k else n
        for k, n in zip(funcs["class_name"], funcs["name"], strict=True)
    ]
    return funcs
