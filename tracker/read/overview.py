"""The overview: headline figures of one or several repositories and their monthly timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select

from qroi.core.calendar import ALL_TIME, Period, month_starts
from qroi.read import sql
from qroi.read.delivery import closed_issues, has_issues, releases
from qroi.read.mainline import QUALITY_COLUMNS, quality_series, state_at, with_ratios
from qroi.store import models
from qroi.store.database import repo_id


@dataclass(frozen=True)
class Headline:
    """Headline figures for one or several repositories over a window.

    Quality figures describe the mainline at the window's end (`*_before`: at its start, for
    deltas; None when nothing was committed before the window). With several repositories, sloc
    and counts add up, MI is weighted by sloc and the C-or-worse share is pooled over functions.
    """

    commits: int
    merges: int
    authors: int
    bugfixes: int
    reverts: int
    releases: int
    sloc: int | None
    mi: float | None
    c_share: float | None
    cc_density: float | None
    sloc_before: int | None
    mi_before: float | None
    c_share_before: float | None
    cc_density_before: float | None

    @property
    def bugfix_share(self) -> float | None:
        """Bug-fix commits among non-merge commits (merges are never bug fixes)."""
        work = self.commits - self.merges
        return self.bugfixes / work if work else None


def _pooled(states: list[pd.Series]) -> dict[str, float | int | None]:
    if not states:
        return {"sloc": None, "mi": None, "c_share": None, "cc_density": None}
    sloc = sum(int(s["py_sloc"]) for s in states)
    scored = [(float(s["py_mi"]), int(s["py_sloc"])) for s in states if pd.notna(s["py_mi"])]
    weight = sum(w for _, w in scored)
    functions = sum(int(s["py_functions"]) for s in states)
    cc = sum(int(s["py_cc_total"]) for s in states)
    return {
        "sloc": sloc,
        "mi": (sum(m * w for m, w in scored) / weight if weight else (scored[0][0] if scored else None)),
        "c_share": sum(int(s["py_c_or_worse"]) for s in states) / functions if functions else None,
        "cc_density": cc * 100 / sloc if sloc else None,
    }


def headline(
    engine: Engine,
    repos: Sequence[str],
    window: Period = ALL_TIME,
    series: dict[str, pd.DataFrame] | None = None,
) -> Headline:
    """Headline figures for the overview cards (pass `series` to reuse loaded mainlines)."""
    ids = [repo_id(engine, r) for r in repos]
    c = models.Commit
    stmt = select(
        func.count(),
        func.coalesce(func.sum(case((c.is_merge, 1), else_=0)), 0),
        func.count(func.distinct(c.author_email)),
        func.coalesce(func.sum(case((c.is_bugfix, 1), else_=0)), 0),
        func.coalesce(func.sum(case((c.is_revert, 1), else_=0)), 0),
    ).where(c.repo_id.in_(ids), *window.where(c.committed_ts))
    with engine.connect() as conn:
        commits, merges, authors, bugfixes, reverts = conn.execute(stmt).one()
    shipped = sum(len(releases(engine, r, window)) for r in repos)
    series = series or {}
    mains = [series[r] if r in series else quality_series(engine, r) for r in repos]
    end = _pooled([s for s in (state_at(m, window.end) for m in mains) if s is not None])
    start = (
        _pooled([s for s in (state_at(m, window.start) for m in mains) if s is not None])
        if window.start
        else None
    )
    before = start or {"sloc": None, "mi": None, "c_share": None, "cc_density": None}
    return Headline(
        commits=int(commits),
        merges=int(merges),
        authors=int(authors),
        bugfixes=int(bugfixes),
        reverts=int(reverts),
        releases=shipped,
        sloc=end["sloc"],
        mi=end["mi"],
        c_share=end["c_share"],
        cc_density=end["cc_density"],
        sloc_before=before["sloc"],
        mi_before=before["mi"],
        c_share_before=before["c_share"],
        cc_density_before=before["cc_density"],
    )


def monthly_timeline(
    engine: Engine, repo: str, window: Period = ALL_TIME, series: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per calendar month (UTC) of the window: delivery counts and mainline quality at month end.

    Months without commits are kept (zero counts, quality carried forward) so a chart shows a
    quiet month as quiet rather than skipping it. Issues closed come from the imported tracker
    export when there is one (`issues_source` "tracker"), else each issue counts once, in the month
    of the first commit whose message closes it ("fixes #12"; `issues_source` "messages").
    """
    rid = repo_id(engine, repo)
    c = models.Commit
    stmt = select(
        c.committed_ts, c.author_email, c.is_merge, c.is_bugfix, c.is_revert, c.insertions, c.deletions
    ).where(c.repo_id == rid, *window.where(c.committed_ts))
    work = sql.bools(sql.frame(engine, stmt), "is_merge", "is_bugfix", "is_revert")
    columns = [
        "repo",
        "month",
        "commits",
        "merges",
        "bugfixes",
        "reverts",
        "authors",
        "insertions",
        "deletions",
        "issues_closed",
        "issues_source",
        *QUALITY_COLUMNS,
        "cc_density",
        "c_share",
    ]
    if work.empty:
        return pd.DataFrame(columns=columns)
    work["month"] = month_starts(work["committed_ts"])
    plain = work[~work["is_merge"]]
    grouped = plain.groupby("month")
    monthly = pd.DataFrame(
        {
            "commits": grouped.size(),
            "bugfixes": grouped["is_bugfix"].sum(),
            "reverts": grouped["is_revert"].sum(),
            "authors": work.groupby("month")["author_email"].nunique(),
            "insertions": grouped["insertions"].sum(),
            "deletions": grouped["deletions"].sum(),
            "merges": work[work["is_merge"]].groupby("month").size(),
        }
    )
    span = pd.date_range(work["month"].min(), work["month"].max(), freq="MS")
    monthly = monthly.reindex(span).fillna(0).astype("int64")
    tracker = has_issues(engine, repo)
    closed = (
        closed_issues(engine, repo, window)["closed_ts"] if tracker else _closing_commits(engine, rid, window)
    )
    per_month = closed.groupby(month_starts(closed)).size() if len(closed) else pd.Series(dtype="int64")
    monthly["issues_closed"] = per_month.reindex(span).fillna(0).astype("int64")
    monthly["issues_source"] = "tracker" if tracker else "messages"
    main = series if series is not None else quality_series(engine, repo)
    if not main.empty:
        # The whole mainline, not just the window: a quiet first month inherits the state before it.
        at_end = (
            main.assign(month=month_starts(main["committed_ts"])).groupby("month").last()[QUALITY_COLUMNS]
        )
        quality = at_end.reindex(at_end.index.union(span)).ffill().reindex(span)
        monthly = monthly.join(quality)
    else:
        monthly = monthly.assign(**{q: np.nan for q in QUALITY_COLUMNS})
    monthly = with_ratios(monthly)
    monthly.index.name = "month"
    return monthly.reset_index().assign(repo=repo)[columns]


def _closing_commits(engine: Engine, rid: int, window: Period) -> pd.Series:
    """When each issue was first closed by a commit message, for issues closed in the window."""
    i, c = models.IssueRef, models.Commit
    stmt = (
        select(i.ref, func.min(c.committed_ts).label("closed_ts"))
        .join(c, c.id == i.commit_id)
        .where(i.repo_id == rid, i.action == "closes")
        .group_by(i.ref)
    )
    closed = sql.frame(engine, stmt)["closed_ts"]
    return closed[window.mask(closed)]
