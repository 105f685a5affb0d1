"""Read side of the AI-era lens: the stored line operations, declarations and duplication as frames.

`qroi.ai.ai_step` writes line operations, churn counts, declarations and tree duplication at
ingest; this module reads them back as what `qroi export`, `qroi ai` and the dashboard show, from
the store alone (never git), so they cannot disagree. It imports no statistics, so the CLI starts
fast; `qroi.analysis.ai_lens` adds the comparisons and the event study.

- `commit_frame`: one row per non-merge commit with its line operations, declared assistance
  and the columns `qroi.analysis.ai_compare.compare_declared` reads: `files` (files touched),
  `author_experience` (Kamei's EXP: the author's earlier commits), `bug_inducing` (SZZ blamed a
  later fix on it), `quality_delta` (sloc-weighted MI of the touched Python files after the
  commit minus before, from the stored blob scores; empty when no Python file is touched, when
  the touched files exist on one side only, or a touched blob could not be scored) and `churned`
  (empty until `churn_days` of history follow the commit: later commits may still change its lines);
- `totals` and `by_author`: sums and shares of a group of commits, and per author;
- `lineops_table`, `declarations_table`, `duplication_table`: the export tables.

Churn shares divide by the lines a commit *wrote*: its added lines minus the lines it moved
(moved lines are never churn, see `qroi.ai.ai_step`).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from qroi.core.calendar import ALL_TIME, Period
from qroi.read import queries
from qroi.store import models
from qroi.store.ai_settings import DEFAULT_CHURN_DAYS, has_tables, stored_settings
from qroi.store.database import repo_id

DECLARED_ONLY = (
    "Only declared AI assistance is found (trailers, markers, agent accounts); undeclared use "
    "counts as 'other', which dilutes any difference toward none."
)
"""The caveat every AI-era comparison carries: what the declaration rules cannot see."""

DAY = 86_400
LINEOPS_COLUMNS = [
    "repo",
    "sha",
    "authored_at",
    "author_email",
    "ai",
    "added",
    "deleted",
    "updated",
    "moved",
    "copy_pasted",
    "trivial_added",
    "trivial_deleted",
    "operations",
    "lines_added",
    "lines_deleted",
    "lines_written",
    "copy_paste_share",
    "moved_share",
    "duplicated_block",
    "churned",
    "churn_share",
]
AI_COLUMNS = [
    "repo",
    "sha",
    "authored_at",
    "author_name",
    "author_email",
    "committer_email",
    "is_merge",
    "category",
    "flagged",
    "automated",
    "rule",
    "tool",
    "rules",
    "evidence",
    "subject",
]
DUPLICATION_COLUMNS = [
    "repo",
    "kind",
    "at",
    "sha",
    "committed_at",
    "python_files",
    "python_lines",
    "duplicated_lines",
    "share",
    "block_size",
]


def churn_days(engine: Engine, rid: int) -> float:
    """The churn window the repository's last ingest used (the default before one)."""
    return float(stored_settings(engine, rid).get("churn_days", DEFAULT_CHURN_DAYS))


def _quality_delta(engine: Engine, rid: int) -> pd.Series:
    """Per commit id: sloc-weighted MI of the touched Python files after the commit minus before."""
    ch = models.Change
    old, new = models.Blob.__table__.alias("old"), models.Blob.__table__.alias("new")
    rows = queries.read(
        engine,
        select(
            ch.commit_id,
            ch.old_blob,
            old.c.sloc.label("old_sloc"),
            old.c.mi.label("old_mi"),
            old.c.error_kind.label("old_error"),
            ch.new_blob,
            new.c.sloc.label("new_sloc"),
            new.c.mi.label("new_mi"),
            new.c.error_kind.label("new_error"),
        )
        .outerjoin(old, old.c.blob == ch.old_blob)
        .outerjoin(new, new.c.blob == ch.new_blob)
        .where(ch.repo_id == rid, ch.is_python),
    )
    if rows.empty:
        return pd.Series(dtype=float)
    for side in ("old", "new"):
        present = rows[f"{side}_blob"].notna()
        ok = (
            present & rows[f"{side}_error"].isna() & rows[f"{side}_sloc"].notna() & rows[f"{side}_mi"].notna()
        )
        rows[f"{side}_bad"] = present & ~ok
        rows[f"{side}_w"] = pd.to_numeric(rows[f"{side}_sloc"], errors="coerce").where(ok, 0.0).astype(float)
        rows[f"{side}_wm"] = rows[f"{side}_w"] * pd.to_numeric(rows[f"{side}_mi"], errors="coerce").where(
            ok, 0.0
        )
    grouped = rows.groupby("commit_id")
    sums = grouped[["old_w", "old_wm", "new_w", "new_wm"]].sum()
    bad = grouped["old_bad"].any() | grouped["new_bad"].any()
    before = sums["old_wm"] / sums["old_w"].where(sums["old_w"] > 0)
    after = sums["new_wm"] / sums["new_w"].where(sums["new_w"] > 0)
    return (after - before).where(~bad)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole as floats, empty where the whole is zero or unknown."""
    whole = pd.to_numeric(whole, errors="coerce").astype(float)
    return pd.to_numeric(part, errors="coerce").astype(float) / whole.where(whole > 0)


def commit_frame(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """One row per non-merge commit of the window (committed time) with its line operations, in canonical order."""
    rid = repo_id(engine, repo)
    c, lo, d, f = models.Commit, models.CommitLineOps, models.AiDeclaration, models.CommitFeatures
    if not has_tables(engine):
        return pd.DataFrame(
            columns=[
                *LINEOPS_COLUMNS,
                "commit_id",
                "authored_ts",
                "committed_ts",
                "author",
                "automated",
                "category",
                "files",
                "author_experience",
                "bug_inducing",
                "quality_delta",
            ]
        )
    frame = queries.read(
        engine,
        select(
            c.id.label("commit_id"),
            c.sha,
            c.authored_ts,
            c.author_tz,
            c.committed_ts,
            c.author_email,
            c.files_changed.label("files"),
            lo.added,
            lo.deleted,
            lo.updated,
            lo.moved,
            lo.copy_pasted,
            lo.trivial_added,
            lo.trivial_deleted,
            lo.operations,
            lo.duplicated_block,
            lo.churned,
            d.flagged,
            d.automated,
            d.category,
            f.exp.label("author_experience"),
        )
        .join(lo, lo.commit_id == c.id)
        .outerjoin(d, d.commit_id == c.id)
        .outerjoin(f, f.commit_id == c.id)
        .where(c.repo_id == rid, *window.where(c.committed_ts))
        .order_by(c.generation, c.committed_ts, c.sha),
    )
    with engine.connect() as conn:
        horizon = conn.execute(select(func.max(c.authored_ts)).where(c.repo_id == rid)).scalar() or 0
        inducing = set(
            conn.execute(
                select(models.BugLink.inducing_commit_id).where(models.BugLink.repo_id == rid)
            ).scalars()
        )
    days = churn_days(engine, rid)
    frame.insert(0, "repo", repo)
    frame["authored_at"] = queries.iso_column(frame["authored_ts"], frame["author_tz"])
    frame["author"] = frame["author_email"]
    for flag in ("flagged", "automated", "duplicated_block"):
        frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    frame = frame.rename(columns={"flagged": "ai"})
    frame["category"] = frame["category"].fillna("human")
    frame["lines_added"] = frame[["added", "updated", "moved", "copy_pasted", "trivial_added"]].sum(axis=1)
    frame["lines_deleted"] = frame[["deleted", "updated", "moved", "trivial_deleted"]].sum(axis=1)
    frame["lines_written"] = frame["lines_added"] - frame["moved"]
    frame["copy_paste_share"] = _share(frame["copy_pasted"], frame["operations"])
    frame["moved_share"] = _share(frame["moved"], frame["operations"])
    known = (frame["authored_ts"] + days * DAY <= horizon).to_numpy()
    frame["churned"] = pd.array(
        [int(n) if k else pd.NA for n, k in zip(frame["churned"], known, strict=True)], dtype="Int64"
    )
    frame["churn_share"] = _share(frame["churned"], frame["lines_written"])
    frame["bug_inducing"] = frame["commit_id"].isin(inducing).astype(int)
    frame["quality_delta"] = frame["commit_id"].map(_quality_delta(engine, rid)).astype(float)
    return frame.drop(columns=["author_tz"])


def lineops_table(engine: Engine, repo: str) -> pd.DataFrame:
    """`qroi export lineops`: every non-merge commit's line operations, shares and churn."""
    return commit_frame(engine, repo)[LINEOPS_COLUMNS]


def declarations_table(engine: Engine, repo: str) -> pd.DataFrame:
    """`qroi export ai`: every commit (merges too) with what it declares and the rules that matched."""
    rid = repo_id(engine, repo)
    c, d = models.Commit, models.AiDeclaration
    if not has_tables(engine):
        return pd.DataFrame(columns=AI_COLUMNS)
    frame = queries.read(
        engine,
        select(
            c.sha,
            c.authored_ts,
            c.author_tz,
            c.author_name,
            c.author_email,
            c.committer_email,
            c.is_merge,
            c.message,
            d.category,
            d.flagged,
            d.automated,
            d.rule,
            d.tool,
            d.matches,
        )
        .join(d, d.commit_id == c.id)
        .where(c.repo_id == rid)
        .order_by(c.generation, c.committed_ts, c.sha),
    )
    frame.insert(0, "repo", repo)
    frame["authored_at"] = queries.iso_column(frame["authored_ts"], frame["author_tz"])
    matches = [json.loads(m) for m in frame["matches"]]
    frame["rules"] = [" ".join(m["rule"] for m in found) for found in matches]
    frame["evidence"] = [" | ".join(m["text"] for m in found) for found in matches]
    frame["subject"] = frame["message"].str.split("\n", n=1).str[0]
    return frame[AI_COLUMNS]


def duplication_table(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """`qroi export duplication`: duplicated-block share of the Python files per month end and release."""
    rid = repo_id(engine, repo)
    c, t = models.Commit, models.TreeDuplication
    if not has_tables(engine):
        return pd.DataFrame(columns=DUPLICATION_COLUMNS)
    frame = queries.read(
        engine,
        select(
            t.kind,
            t.at,
            c.sha,
            c.committed_ts,
            c.committer_tz,
            t.python_files,
            t.python_lines,
            t.duplicated_lines,
            t.share,
            t.block_size,
        )
        .join(c, c.id == t.commit_id)
        .where(t.repo_id == rid, *window.where(c.committed_ts))
        .order_by(c.committed_ts, t.kind, t.at),
    )
    frame.insert(0, "repo", repo)
    frame["committed_at"] = queries.iso_column(frame["committed_ts"], frame["committer_tz"])
    return frame[[*DUPLICATION_COLUMNS, "committed_ts"]]


def totals(frame: pd.DataFrame) -> dict[str, Any]:
    """Sums and shares of a group of commits; churn over the commits whose window has passed."""
    ops = int(frame["operations"].sum())
    known = frame[frame["churned"].notna()]
    written = int(known["lines_written"].sum())
    n = len(frame)
    return {
        "commits": n,
        "ai_commits": int(frame["ai"].sum()),
        "automated_commits": int(frame["automated"].sum()),
        "operations": ops,
        "copy_pasted": int(frame["copy_pasted"].sum()),
        "moved": int(frame["moved"].sum()),
        "copy_paste_share": frame["copy_pasted"].sum() / ops if ops else None,
        "moved_share": frame["moved"].sum() / ops if ops else None,
        "churned": int(known["churned"].sum()),
        "churn_known_commits": len(known),
        "churn_share": known["churned"].sum() / written if written else None,
        "duplicated_block_commits": int(frame["duplicated_block"].sum()),
        "duplicated_block_share": frame["duplicated_block"].sum() / n if n else None,
        "ai_share": frame["ai"].sum() / n if n else None,
    }


def by_author(commits: pd.DataFrame) -> pd.DataFrame:
    """Per author (email): commits, declared-AI commits and the shares, most line operations first.

    Churn is over the author's commits whose churn window has passed."""
    rows = [{"author": author, **totals(group)} for author, group in commits.groupby("author", sort=True)]
    frame = pd.DataFrame(rows, columns=["author", *totals(commits.iloc[0:0]).keys()])
    return frame.sort_values(["operations", "author"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )
