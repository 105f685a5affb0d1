"""One file across the commits that changed it, followed back through renames."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Select, null, select
from sqlmodel import col

from qroi.read import lineage, queries, sql
from qroi.read.mainline import quality_series
from qroi.store import models
from qroi.store.database import repo_id

FILE_HISTORY_COLUMNS = [
    "repo",
    "sha",
    "committed_ts",
    "committed_at",
    "author_name",
    "subject",
    "is_bugfix",
    "is_revert",
    "mainline",
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


def _versions(change: type[models.Change] | type[models.MergeChange]) -> Select:
    """A file's versions as a change table records them: the commit, the change, the new blob's scores.

    A merge's diff against its first parent has no line counts (they are not churn).
    """
    ch, c, b = change, models.Commit, models.Blob
    lines = (
        (col(models.Change.added), col(models.Change.deleted))
        if change is models.Change
        else (null().label("added"), null().label("deleted"))
    )
    return (
        select(
            c.sha,
            c.generation,
            c.committed_ts,
            c.authored_ts,
            c.author_name,
            c.message,
            c.is_bugfix,
            c.is_revert,
            ch.path,
            ch.old_path,
            ch.change_type,
            *lines,
            col(ch.new_blob).label("blob"),
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


def _finish(frame: pd.DataFrame, repo: str, main: set[str]) -> pd.DataFrame:
    frame = sql.bools(frame, "is_bugfix", "is_revert")
    frame = frame.sort_values(["generation", "committed_ts", "sha"], kind="mergesort").reset_index(drop=True)
    frame.insert(0, "repo", repo)
    frame["mainline"] = frame["sha"].isin(main)
    frame["committed_at"] = queries.utc(frame["committed_ts"])
    frame["subject"] = frame["message"].str.split("\n", n=1).str[0]
    return frame[FILE_HISTORY_COLUMNS]


@dataclass(frozen=True)
class FileHistory:
    """One file's history: every change made to it, and the versions its main line went through.

    `changes`: the non-merge commits that changed it (what its commit counts count), oldest first,
    `mainline` set for those on the first-parent chain from HEAD. `main_line`: the file after each
    main-line commit that changed it: those non-merge commits, plus the merges that brought a
    branch's changes in. Branches alive at the same time each hold their own version of the file,
    so only the main line is one line through time; a feature branch's commits are points beside it.
    """

    changes: pd.DataFrame
    main_line: pd.DataFrame


def file_history(engine: Engine, repo: str, path: str) -> FileHistory:
    """Every commit that changed a file, oldest first, with the file's scores after each change.

    The file is followed through its renames by its lineage (`qroi.read.lineage`, the rule of the
    hotspots and the claim test's panel): the history of `src/a.py` renamed from `lib/a.py`
    includes `lib/a.py`'s commits before the rename, and not those of another file that had the
    path earlier or later. A deleting change has no blob and no scores.
    """
    rid = repo_id(engine, repo)
    ch, mc = models.Change, models.MergeChange
    changes, merges = _versions(ch), _versions(mc)
    lineage_of = lineage.of_repo(engine, repo)
    followed = lineage_of(path, lineage.LATEST)
    paths = sorted(set(lineage_of.paths(followed)) | {path})

    def of_lineage(rows: pd.DataFrame) -> pd.DataFrame:
        keep = [
            lineage_of(p, int(t)) == followed for p, t in zip(rows["path"], rows["authored_ts"], strict=True)
        ]
        return rows[keep] if len(rows) else rows

    parts = [of_lineage(sql.frame(engine, changes.where(col(ch.repo_id) == rid, col(ch.path).in_(paths))))]
    merged = [of_lineage(sql.frame(engine, merges.where(col(mc.repo_id) == rid, col(mc.path).in_(paths))))]
    main = set(quality_series(engine, repo)["sha"])
    every = _finish(pd.concat([*parts, *merged], ignore_index=True), repo, main)
    return FileHistory(
        _finish(pd.concat(parts, ignore_index=True), repo, main),
        every[every["mainline"]].reset_index(drop=True),
    )


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
