"""Delivery as stored: releases, lead time, imported issues, failed changes (computed at ingest).

The figures come from `qroi.delivery` at ingest; a store written before delivery signals existed
lacks their tables and gets empty frames with the right columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import sqlmodel
from sqlalchemy import Engine, case, func, select

from qroi.core.calendar import ALL_TIME, Period, month_starts
from qroi.read import queries, sql
from qroi.store import models
from qroi.store.database import repo_id

RELEASE_COLUMNS = [
    "repo",
    "tag",
    "sha",
    "released_ts",
    "released_at",
    "version",
    "is_patch",
    "commits",
    "change_failure",
    "patched_by",
    "reverted_commits",
]


def releases(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """Releases (tags matching the ingest's release pattern) made in the window, oldest first.

    `change_failure`: a patch release of the same line or a revert of a shipped commit followed
    within the ingest's failure window (see README, "Delivery signals").
    """
    if not sql.has_table(engine, models.Release.__tablename__):
        return pd.DataFrame(columns=RELEASE_COLUMNS)
    rid = repo_id(engine, repo)
    r = models.Release
    stmt = select(
        r.tag,
        r.sha,
        r.released_ts,
        r.version,
        r.is_patch,
        r.commits,
        r.change_failure,
        r.patched_by,
        r.reverted_commits,
    ).where(r.repo_id == rid, *window.where(r.released_ts))
    rel = sql.bools(sql.frame(engine, stmt.order_by(r.released_ts, r.tag)), "is_patch", "change_failure")
    rel.insert(0, "repo", repo)
    rel["released_at"] = queries.utc(rel["released_ts"])
    return rel[RELEASE_COLUMNS]


LEAD_TIME_COLUMNS = ["repo", "sha", "authored_ts", "release", "released_ts", "lead_days"]


def lead_times(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """Lead time for changes: each released non-merge commit, its first release, and the days between.

    The ingest's definition: release time minus the commit's author time, for the earliest release
    whose tagged commit contains it. Commits no release contains yet have no lead time (left out,
    not zero). The window applies to the release time.
    """
    if not sql.has_table(engine, models.CommitFeatures.__tablename__):
        return pd.DataFrame(columns=LEAD_TIME_COLUMNS)
    rid = repo_id(engine, repo)
    f, c = models.CommitFeatures, models.Commit
    stmt = (
        select(c.sha, c.authored_ts, f.first_release.label("release"), f.released_ts, f.lead_time_s)
        .join(c, c.id == f.commit_id)
        .where(f.repo_id == rid, queries.NON_MERGE, f.lead_time_s.is_not(None))
        .where(*window.where(f.released_ts))
    )
    lead = sql.frame(engine, stmt)
    lead["lead_days"] = lead["lead_time_s"] / 86400
    lead.insert(0, "repo", repo)
    return lead.sort_values(["released_ts", "authored_ts"]).reset_index(drop=True)[LEAD_TIME_COLUMNS]


def monthly_lead_time(lead: pd.DataFrame) -> pd.DataFrame:
    """Median lead time of the changes released in each month (the month of the release)."""
    if lead.empty:
        return pd.DataFrame(columns=["month", "median_days", "changes"])
    grouped = lead.groupby(month_starts(lead["released_ts"]))["lead_days"]
    out = pd.DataFrame({"median_days": grouped.median(), "changes": grouped.size()})
    out.index.name = "month"
    return out.reset_index()


def has_issues(engine: Engine, repo: str) -> bool:
    """Whether an issue-tracker export was imported for the repository (`qroi issues import`)."""
    if not sql.has_table(engine, models.Issue.__tablename__):
        return False
    rid = repo_id(engine, repo)
    with engine.connect() as conn:
        return (
            conn.execute(select(models.Issue.id).where(models.Issue.repo_id == rid).limit(1)).first()
            is not None
        )


ISSUE_COLUMNS = ["repo", "key", "title", "kind", "created_ts", "closed_ts", "days"]


def closed_issues(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """Imported issues closed in the window, with their time to close in days (closed minus created)."""
    if not sql.has_table(engine, models.Issue.__tablename__):
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    rid = repo_id(engine, repo)
    i = models.Issue
    stmt = select(i.key, i.title, i.kind, i.created_ts, i.closed_ts).where(
        i.repo_id == rid, i.closed_ts.is_not(None), *window.where(i.closed_ts)
    )
    issues = sql.frame(engine, stmt)
    issues["days"] = (issues["closed_ts"] - issues["created_ts"]) / 86400
    issues = issues[issues["days"] >= 0]
    issues.insert(0, "repo", repo)
    return issues.sort_values("closed_ts").reset_index(drop=True)[ISSUE_COLUMNS]


SPAN_COLUMNS = ["repo", "ref", "first_ts", "closed_ts", "days", "commits"]


def issue_spans(engine: Engine, repo: str) -> pd.DataFrame:
    """Issues as commit messages alone see them: first reference -> first closing commit, in days.

    The fallback when no tracker export was imported. Only issues some commit closes ("fixes #12")
    have a span, and it starts at the first commit that mentions the issue, so work begun before
    any commit is invisible and the span understates time-to-close.
    """
    rid = repo_id(engine, repo)
    i, c = models.IssueRef, models.Commit
    stmt = (
        select(
            i.ref,
            func.min(c.committed_ts).label("first_ts"),
            func.min(case((i.action == "closes", c.committed_ts))).label("closed_ts"),
            func.count(func.distinct(i.commit_id)).label("commits"),
        )
        .join(c, c.id == i.commit_id)
        .where(i.repo_id == rid)
        .group_by(i.ref)
    )
    spans = sql.frame(engine, stmt)
    spans = spans[spans["closed_ts"].notna()].copy()
    spans["closed_ts"] = spans["closed_ts"].astype("int64")
    spans["days"] = (spans["closed_ts"] - spans["first_ts"]) / 86400
    spans.insert(0, "repo", repo)
    return spans.sort_values("closed_ts").reset_index(drop=True)[SPAN_COLUMNS]


FAILURE_COLUMNS = [
    "repo",
    "sha",
    "committed_ts",
    "subject",
    "reverted_later",
    "days_to_revert",
    "fixes_induced",
]


def failed_changes(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """Non-merge commits of the window that later failed: reverted, or blamed by a bug fix (SZZ).

    Merges are left out as in every per-change figure (`ChangeOutcomes`): blame can land on a
    merge that resolved a conflict, but the change it carries is its branch's commits. Reverts
    are the plain failures; SZZ links are noisier (blame is a heuristic) and undercount the
    recent past, whose bugs are not fixed yet.
    """
    if not sql.has_table(engine, models.CommitFeatures.__tablename__):
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    rid = repo_id(engine, repo)
    f, c, bl = models.CommitFeatures, models.Commit, models.BugLink
    induced = (
        select(bl.inducing_commit_id, func.count(func.distinct(bl.fix_commit_id)).label("fixes_induced"))
        .where(bl.repo_id == rid)
        .group_by(bl.inducing_commit_id)
        .subquery()
    )
    stmt = (
        select(
            c.sha,
            c.committed_ts,
            c.message,
            f.reverted_later,
            f.time_to_revert_s,
            func.coalesce(induced.c.fixes_induced, 0).label("fixes_induced"),
        )
        .join(f, f.commit_id == c.id)
        .outerjoin(induced, induced.c.inducing_commit_id == c.id)
        .where(c.repo_id == rid, queries.NON_MERGE, *window.where(c.committed_ts))
        .where((f.reverted_later.is_(True)) | (induced.c.fixes_induced > 0))
    )
    rows = sql.bools(sql.frame(engine, stmt), "reverted_later")
    rows["subject"] = rows["message"].str.split("\n", n=1).str[0]
    rows["days_to_revert"] = rows["time_to_revert_s"] / 86400
    rows.insert(0, "repo", repo)
    return rows.sort_values("committed_ts").reset_index(drop=True)[FAILURE_COLUMNS]


def changes(engine: Engine, repo: str, window: Period = ALL_TIME) -> int:
    """Non-merge commits of the window (by commit time): the denominator of every per-change share."""
    rid = repo_id(engine, repo)
    c = models.Commit
    stmt = select(func.count()).where(
        sqlmodel.col(c.repo_id) == rid, queries.NON_MERGE, *window.where(sqlmodel.col(c.committed_ts))
    )
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


@dataclass(frozen=True)
class ChangeOutcomes:
    """What became of a window's changes: the figures `qroi summary` prints and the dashboard shows.

    Defined once so the two cannot disagree. A change is a non-merge commit: a merge only brings
    in commits already counted, so counting it too would double a branch's work and skew the
    median lead time toward the merge's own (later) author time.
    """

    changes: int
    reverted: int
    bug_inducing: int
    median_lead_days: float | None
    released: int

    @property
    def reverted_share(self) -> float | None:
        """Changes a later commit reverted, among all changes of the window."""
        return self.reverted / self.changes if self.changes else None

    @property
    def bug_inducing_share(self) -> float | None:
        """Changes SZZ blames for a later bug fix, among all changes of the window."""
        return self.bug_inducing / self.changes if self.changes else None


def change_outcomes(lead: pd.DataFrame, failed: pd.DataFrame, changes: int) -> ChangeOutcomes:
    """Outcomes from `lead_times`, `failed_changes` and `changes` (per repository, or stacked to pool)."""
    return ChangeOutcomes(
        changes=changes,
        reverted=int(failed["reverted_later"].sum()) if len(failed) else 0,
        bug_inducing=int((failed["fixes_induced"] > 0).sum()) if len(failed) else 0,
        median_lead_days=float(lead["lead_days"].median()) if len(lead) else None,
        released=len(lead),
    )


def outcomes_of(engine: Engine, repo: str, window: Period = ALL_TIME) -> ChangeOutcomes:
    """One repository's change outcomes in the window (what `qroi summary` prints over all time)."""
    return change_outcomes(
        lead_times(engine, repo, window), failed_changes(engine, repo, window), changes(engine, repo, window)
    )


def bug_inducing(engine: Engine, repo: str, paths: Sequence[str]) -> pd.DataFrame:
    """SZZ links that blame commits for bugs in these paths: inducing sha, fixing sha, lines."""
    if not sql.has_table(engine, models.BugLink.__tablename__) or not paths:
        return pd.DataFrame(columns=["inducing_sha", "fix_sha", "path", "lines"])
    rid = repo_id(engine, repo)
    bl = models.BugLink
    inducing, fix = models.Commit.__table__.alias("inducing"), models.Commit.__table__.alias("fix")
    stmt = (
        select(inducing.c.sha.label("inducing_sha"), fix.c.sha.label("fix_sha"), bl.path, bl.lines)
        .join(inducing, inducing.c.id == bl.inducing_commit_id)
        .join(fix, fix.c.id == bl.fix_commit_id)
        .where(bl.repo_id == rid, bl.path.in_(list(paths)))
    )
    return sql.frame(engine, stmt)
