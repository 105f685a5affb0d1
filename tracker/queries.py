"""Read-side queries: the store's tables as pandas DataFrames for export, summary and dashboard.

Everything a report shows is computed here once, from the store alone (never from git), so the
CLI, the CSV export and the dashboard cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from sqlalchemy import Engine, func, select

from tracker import models
from tracker.errors import QroiError

COMMIT_COLUMNS = [
    "repo", "sha", "parents", "author_name", "author_email", "authored_at", "committed_at", "is_merge",
    "insertions", "deletions", "files_changed", "is_bugfix", "is_revert", "reverted_sha", "issue_refs",
    "py_files", "py_sloc", "py_cc_total", "py_mi", "py_functions", "py_c_or_worse", "py_unscored",
    "committer_name", "committer_email", "generation", "message",
]  # fmt: skip
CHANGE_COLUMNS = ["repo", "sha", "path", "old_path", "change_type", "added", "deleted", "old_blob", "new_blob"]
FILE_COLUMNS = [
    "repo", "path", "blob", "loc", "lloc", "sloc", "comments", "cc_total", "cc_max", "functions", "mi",
    "mi_rank", "halstead_volume", "commits", "authors", "added", "deleted", "bugfix_commits",
    "first_commit_at", "last_commit_at", "parse_error",
]  # fmt: skip
FUNCTION_COLUMNS = ["repo", "path", "name", "class_name", "lineno", "complexity", "rank"]


def iso(ts: int | None, tz_minutes: int | None) -> str | None:
    """Unix seconds + offset -> ISO 8601 with the original offset, e.g. 2024-03-01T10:00:00+05:30."""
    if ts is None or pd.isna(ts):
        return None
    zone = timezone(timedelta(minutes=int(tz_minutes or 0)))
    return datetime.fromtimestamp(int(ts), zone).isoformat()


def utc(ts: pd.Series) -> pd.Series:
    """Unix seconds -> timezone-aware UTC timestamps (for charts and windows)."""
    return pd.to_datetime(ts, unit="s", utc=True)


def _typed(values: list[object]) -> pd.Series | list[object]:
    """Integer and boolean columns keep their type when some cells are NULL (no 12.0 in a CSV)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(values, dtype="Int64")
    return values


def _frame(engine: Engine, stmt: object) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(stmt)  # type: ignore[call-overload]
        columns = list(result.keys())
        rows = result.fetchall()
    return pd.DataFrame({c: _typed([r[i] for r in rows]) for i, c in enumerate(columns)}, columns=columns)


def repo_id(engine: Engine, name: str) -> int:
    """The id of a stored repository; a clear error naming the stored ones otherwise."""
    with engine.connect() as conn:
        found = conn.execute(select(models.Repo.id).where(models.Repo.name == name)).scalar()
        if found is None:
            names = conn.execute(select(models.Repo.name).order_by(models.Repo.name)).scalars().all()
            known = ", ".join(names) if names else "none yet; run `qroi ingest PATH` first"
            raise QroiError(f"no repository named {name!r} in the store (stored: {known})")
    return found


def repos(engine: Engine) -> pd.DataFrame:
    """One row per stored repository with its size and last ingest."""
    counts = (
        select(
            models.Commit.repo_id,
            func.count().label("commits"),
            func.count(func.distinct(models.Commit.author_email)).label("authors"),
            func.min(models.Commit.authored_ts).label("first_ts"),
            func.max(models.Commit.authored_ts).label("last_ts"),
        )
        .group_by(models.Commit.repo_id)
        .subquery()
    )
    stmt = (
        select(
            models.Repo.id, models.Repo.name, models.Repo.source, models.Repo.head_sha,
            models.Repo.last_ingest_ts, models.Repo.last_ingest_seconds,
            func.coalesce(counts.c.commits, 0).label("commits"), func.coalesce(counts.c.authors, 0).label("authors"),
            counts.c.first_ts, counts.c.last_ts,
        )  # fmt: skip
        .outerjoin(counts, counts.c.repo_id == models.Repo.id)
        .order_by(models.Repo.name)
    )
    return _frame(engine, stmt)


def commits(engine: Engine, repo: str) -> pd.DataFrame:
    """All commits of a repository in topological order, with export column names."""
    rid = repo_id(engine, repo)
    c = models.Commit
    df = _frame(engine, select(c).where(c.repo_id == rid).order_by(c.generation, c.committed_ts, c.sha))
    df["repo"] = repo
    df["authored_at"] = [iso(t, z) for t, z in zip(df["authored_ts"], df["author_tz"], strict=True)]
    df["committed_at"] = [iso(t, z) for t, z in zip(df["committed_ts"], df["committer_tz"], strict=True)]
    return df


def changes(engine: Engine, repo: str) -> pd.DataFrame:
    """Every file change of every non-merge commit, with the commit's sha and time."""
    rid = repo_id(engine, repo)
    ch, c = models.Change, models.Commit
    stmt = (
        select(
            c.sha, ch.path, ch.old_path, ch.change_type, ch.added, ch.deleted, ch.old_blob, ch.new_blob,
            ch.is_python, c.id.label("commit_id"), c.authored_ts, c.author_tz, c.author_email, c.is_bugfix,
            c.generation, c.committed_ts,
        )  # fmt: skip
        .join(c, c.id == ch.commit_id)
        .where(ch.repo_id == rid)
        .order_by(c.generation, c.committed_ts, c.sha, ch.id)
    )
    df = _frame(engine, stmt)
    df.insert(0, "repo", repo)
    return df


def head_files(engine: Engine, repo: str) -> pd.DataFrame:
    """Python files at the ingested HEAD with their Radon scores and change history by path."""
    rid = repo_id(engine, repo)
    hf, b = models.HeadFile, models.Blob
    stmt = (
        select(
            hf.path, hf.blob, b.loc, b.lloc, b.sloc, b.comments, b.multi, b.blank, b.single_comments, b.cc_total, b.cc_max, b.cc_mean, b.functions,
            b.c_or_worse, b.mi, b.mi_rank, b.h_volume.label("halstead_volume"), b.h_difficulty, b.h_effort,
            b.h_bugs, b.error_kind, b.error, b.translated,
        )  # fmt: skip
        .outerjoin(b, b.blob == hf.blob)
        .where(hf.repo_id == rid)
        .order_by(hf.path)
    )
    files = _frame(engine, stmt)
    files.insert(0, "repo", repo)
    files["parse_error"] = [f"{k}: {e}" if isinstance(k, str) else None for k, e in zip(files["error_kind"], files["error"], strict=True)]
    history = _history_by_path(changes(engine, repo))
    files = files.merge(history, how="left", left_on="path", right_index=True)
    for col in ("commits", "authors", "added", "deleted", "bugfix_commits"):
        files[col] = files[col].fillna(0).astype("int64")
    return files


def _history_by_path(ch: pd.DataFrame) -> pd.DataFrame:
    """Per path: commits, distinct authors, lines added/deleted, bug-fix commits, first/last commit."""
    if ch.empty:
        return pd.DataFrame(columns=["commits", "authors", "added", "deleted", "bugfix_commits",
                                     "first_commit_at", "last_commit_at"])  # fmt: skip
    ordered = ch.sort_values(["authored_ts", "generation"])
    grouped = ordered.groupby("path", sort=True)
    first = grouped.first()
    last = grouped.last()
    history = pd.DataFrame(
        {
            "commits": grouped["commit_id"].nunique(),
            "authors": grouped["author_email"].nunique(),
            "added": grouped["added"].sum(min_count=1).fillna(0),
            "deleted": grouped["deleted"].sum(min_count=1).fillna(0),
            "bugfix_commits": ordered[ordered["is_bugfix"].astype(bool)].groupby("path")["commit_id"].nunique(),
            "first_commit_at": [iso(t, z) for t, z in zip(first["authored_ts"], first["author_tz"], strict=True)],
            "last_commit_at": [iso(t, z) for t, z in zip(last["authored_ts"], last["author_tz"], strict=True)],
        }
    )
    history["bugfix_commits"] = history["bugfix_commits"].fillna(0)
    return history


def head_functions(engine: Engine, repo: str) -> pd.DataFrame:
    """Functions and methods of the Python files at HEAD, most complex first."""
    rid = repo_id(engine, repo)
    hf, f = models.HeadFile, models.Function
    stmt = (
        select(hf.path, f.name, f.class_name, f.lineno, f.endline, f.complexity, f.rank)
        .join(f, f.blob == hf.blob)
        .where(hf.repo_id == rid)
        .order_by(f.complexity.desc(), hf.path, f.lineno)
    )
    df = _frame(engine, stmt)
    df.insert(0, "repo", repo)
    return df


def unscored_blobs(engine: Engine, repo: str) -> pd.DataFrame:
    """Distinct Python blobs of a repository's history that could not be scored, by kind."""
    rid = repo_id(engine, repo)
    ch, b = models.Change, models.Blob
    blobs = select(ch.new_blob).where(ch.repo_id == rid, ch.is_python, ch.new_blob.is_not(None)).distinct().subquery()
    stmt = (
        select(b.error_kind, func.count().label("blobs"))
        .join(blobs, blobs.c.new_blob == b.blob)
        .group_by(b.error_kind)
        .order_by(b.error_kind)
    )
    return _frame(engine, stmt)
