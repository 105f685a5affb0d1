"""Read-side queries for exploring a store: timelines, hotspots, file histories, commit deltas.

`qroi.read.queries` gives the stable export tables; this module gives the shapes the dashboard draws,
computed from the store alone (never git, never Radon). Every statement is parameterized and
filters on indexed columns: commits by (repo_id, committed_ts), changes by (repo_id, path) or
commit_id, functions by blob, so a 20,000-commit store answers in milliseconds per page.

Time windows are half-open ranges of committed time in Unix seconds, `start <= t < end`, with None
for an open side: the index on committed time serves them, and committed time (not authored
time) is when a change actually landed on a branch.

"Quality at a moment" is read from the mainline (the first-parent chain from the ingested HEAD):
a feature-branch commit describes that branch's tree, not the project's, so its `py_*` columns
must not leak into a trend line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, inspect, select
from sqlalchemy.sql import ColumnElement, Select

from qroi.read import queries
from qroi.store import models
from qroi.store.database import repo_id

QUALITY_COLUMNS = [
    "py_files",
    "py_unscored",
    "py_sloc",
    "py_cc_total",
    "py_functions",
    "py_c_or_worse",
    "py_mi",
]
DELTA_SOURCES = {
    "d_sloc": "py_sloc",
    "d_cc_total": "py_cc_total",
    "d_mi": "py_mi",
    "d_functions": "py_functions",
    "d_c_or_worse": "py_c_or_worse",
    "d_files": "py_files",
}

MAX_RENAME_HOPS = 100


@dataclass(frozen=True)
class Window:
    """A half-open window of committed time in Unix seconds; None leaves that side open."""

    start: int | None = None
    end: int | None = None

    def where(self, column: ColumnElement[int]) -> list[ColumnElement[bool]]:
        """Conditions on an indexed time column (nothing for an open window)."""
        conds: list[ColumnElement[bool]] = []
        if self.start is not None:
            conds.append(column >= self.start)
        if self.end is not None:
            conds.append(column < self.end)
        return conds

    def mask(self, ts: pd.Series) -> pd.Series:
        """The same window applied to a column already loaded."""
        keep = pd.Series(True, index=ts.index)
        if self.start is not None:
            keep &= ts >= self.start
        if self.end is not None:
            keep &= ts < self.end
        return keep


ALL_TIME = Window()


def _read(engine: Engine, stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def _bools(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """SQLite hands booleans back as 0/1 through pandas; make them real booleans."""
    for col in columns:
        if col in frame:
            frame[col] = frame[col].fillna(False).astype(bool)
    return frame


def months(ts: pd.Series) -> pd.Series:
    """Unix seconds -> first day of the UTC calendar month (naive Timestamp, for chart axes)."""
    return queries.utc(ts).dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()


def with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Add size-free quality ratios: CC per 100 sloc and the share of functions ranked C or worse.

    Raw sums grow with the code base; these ratios let a 500-line and a 50,000-line history be
    compared on one axis.
    """
    sloc = frame["py_sloc"].astype("float64")
    functions = frame["py_functions"].astype("float64")
    frame["cc_density"] = frame["py_cc_total"].astype("float64") * 100 / sloc.where(sloc > 0)
    frame["c_share"] = frame["py_c_or_worse"].astype("float64") / functions.where(functions > 0)
    return frame


# --- repositories and the mainline ------------------------------------------------------------


def stored_repos(engine: Engine) -> pd.DataFrame:
    """Stored repositories with their commit span (the picker's options and the date bounds)."""
    return queries.repos(engine)


def quality_series(engine: Engine, repo: str) -> pd.DataFrame:
    """The mainline (first-parent chain from HEAD), oldest first, with quality after each commit.

    HEAD is the commit of highest generation: every stored commit is an ancestor of the walked
    branch tip, so the tip is the unique maximum.
    """
    rid = repo_id(engine, repo)
    c = models.Commit
    cols = [c.sha, c.parents, c.generation, c.committed_ts, *(getattr(c, q) for q in QUALITY_COLUMNS)]
    allc = _read(engine, select(*cols).where(c.repo_id == rid))
    if allc.empty:
        return with_ratios(allc.assign(position=pd.Series(dtype="int64")))
    first_parent = dict(zip(allc["sha"], allc["parents"].str.split(" ", n=1).str[0], strict=True))
    chain: list[str] = []
    sha: str | None = allc.loc[allc["generation"].idxmax(), "sha"]
    seen: set[str] = set()
    while sha and sha in first_parent and sha not in seen:
        seen.add(sha)
        chain.append(sha)
        sha = first_parent[sha] or None
    main = allc.set_index("sha").loc[chain[::-1]].drop(columns=["parents"]).reset_index()
    main["position"] = range(len(main))
    return with_ratios(main)


def state_at(series: pd.DataFrame, before: int | None) -> pd.Series | None:
    """The mainline's quality just before `before` (None: at HEAD); None if nothing was committed yet."""
    rows = series if before is None else series[series["committed_ts"] < before]
    return None if rows.empty else rows.iloc[-1]


# --- overview: headline figures and the monthly timeline --------------------------------------


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
    window: Window = ALL_TIME,
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
    engine: Engine, repo: str, window: Window = ALL_TIME, series: pd.DataFrame | None = None
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
    work = _bools(_read(engine, stmt), "is_merge", "is_bugfix", "is_revert")
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
    work["month"] = months(work["committed_ts"])
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
    per_month = closed.groupby(months(closed)).size() if len(closed) else pd.Series(dtype="int64")
    monthly["issues_closed"] = per_month.reindex(span).fillna(0).astype("int64")
    monthly["issues_source"] = "tracker" if tracker else "messages"
    main = series if series is not None else quality_series(engine, repo)
    if not main.empty:
        # The whole mainline, not just the window: a quiet first month inherits the state before it.
        at_end = main.assign(month=months(main["committed_ts"])).groupby("month").last()[QUALITY_COLUMNS]
        quality = at_end.reindex(at_end.index.union(span)).ffill().reindex(span)
        monthly = monthly.join(quality)
    else:
        monthly = monthly.assign(**{q: np.nan for q in QUALITY_COLUMNS})
    monthly = with_ratios(monthly)
    monthly.index.name = "month"
    return monthly.reset_index().assign(repo=repo)[columns]


def _closing_commits(engine: Engine, rid: int, window: Window) -> pd.Series:
    """When each issue was first closed by a commit message, for issues closed in the window."""
    i, c = models.IssueRef, models.Commit
    stmt = (
        select(i.ref, func.min(c.committed_ts).label("closed_ts"))
        .join(c, c.id == i.commit_id)
        .where(i.repo_id == rid, i.action == "closes")
        .group_by(i.ref)
    )
    closed = _read(engine, stmt)["closed_ts"]
    return closed[window.mask(closed)]


# --- hotspots -----------------------------------------------------------------------------------


HOTSPOT_COLUMNS = [
    "repo",
    "path",
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


def hotspots(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Python files at HEAD ranked by change frequency in the window x total complexity at HEAD.

    Tornhill's hotspot heuristic (the ranking `qroi summary` prints): complexity that never
    changes costs little; complexity that changes every week is where quality costs most. History
    is by path, as in the `files` export; over all time the counts equal that table's.
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
    files = _read(engine, stmt)
    files.insert(0, "repo", repo)
    files["score"] = files["commits"] * files["cc_total"].fillna(0)
    files = files.sort_values(["score", "commits", "path"], ascending=[False, False, True], kind="mergesort")
    return files.reset_index(drop=True)[HOTSPOT_COLUMNS]


# --- one file across its commits ---------------------------------------------------------------


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
        rows = _read(engine, base.where(and_(*conds)))
        parts.append(rows)
        renames = rows[(rows["change_type"] == "rename") & rows["old_path"].notna()].sort_values("generation")
        seen.add(current)
        if renames.empty or renames.iloc[0]["old_path"] in seen:
            break
        current, before_gen = renames.iloc[0]["old_path"], int(renames.iloc[0]["generation"])
    hist = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    hist = _bools(hist, "is_bugfix", "is_revert")
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
    funcs = _read(engine, stmt)
    funcs["qualified"] = [
        f"{k}.{n}" if isinstance(k, str) and k else n
        for k, n in zip(funcs["class_name"], funcs["name"], strict=True)
    ]
    return funcs


# --- the commit table with quality deltas ------------------------------------------------------


COMMIT_TABLE_COLUMNS = [
    "repo",
    "sha",
    "committed_ts",
    "committed_at",
    "author_name",
    "author_email",
    "subject",
    "is_merge",
    "is_bugfix",
    "is_revert",
    "issue_refs",
    "insertions",
    "deletions",
    "files_changed",
    *QUALITY_COLUMNS,
    *DELTA_SOURCES,
    "message",
]


def commit_table(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Commits in the window, newest first, with quality deltas against the first parent.

    `d_*` = the commit's `py_*` minus its first parent's: what this commit did to the project's
    Python quality (for a merge, what merging the branch did to the trunk). A root commit is
    compared with the empty tree; its MI delta is empty, as the empty tree has no MI.
    """
    rid = repo_id(engine, repo)
    c = models.Commit
    cols = [
        c.sha,
        c.parents,
        c.generation,
        c.committed_ts,
        c.author_name,
        c.author_email,
        c.message,
        c.is_merge,
        c.is_bugfix,
        c.is_revert,
        c.issue_refs,
        c.insertions,
        c.deletions,
        c.files_changed,
        *(getattr(c, q) for q in QUALITY_COLUMNS),
    ]
    rows = _bools(
        _read(engine, select(*cols).where(c.repo_id == rid, *window.where(c.committed_ts))),
        "is_merge",
        "is_bugfix",
        "is_revert",
    )
    first = rows["parents"].str.split(" ", n=1).str[0].replace("", None)
    known = rows.set_index("sha")[QUALITY_COLUMNS]
    missing = sorted(set(first.dropna()) - set(known.index))
    if missing:
        outside = []
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            stmt = select(c.sha, *(getattr(c, q) for q in QUALITY_COLUMNS)).where(
                c.repo_id == rid, c.sha.in_(chunk)
            )
            outside.append(_read(engine, stmt).set_index("sha"))
        known = pd.concat([known, *outside])
    parent = known.reindex(first.fillna("")).reset_index(drop=True)
    is_root = first.isna().to_numpy()
    for delta, col in DELTA_SOURCES.items():
        base = parent[col].astype("float64").to_numpy()
        if col != "py_mi":
            base = np.where(is_root, 0.0, base)
        rows[delta] = rows[col].astype("float64").to_numpy() - base
    rows["committed_at"] = queries.utc(rows["committed_ts"])
    rows["subject"] = rows["message"].str.split("\n", n=1).str[0]
    rows.insert(0, "repo", repo)
    rows = rows.sort_values(["generation", "committed_ts", "sha"], ascending=False, kind="mergesort")
    return rows.reset_index(drop=True)[COMMIT_TABLE_COLUMNS]


@dataclass(frozen=True)
class CommitFilter:
    """The commit page's filters; every field None or empty means "no restriction"."""

    authors: tuple[str, ...] = ()
    bugfix: bool | None = None
    revert: bool | None = None
    merges: bool | None = None
    has_issue: bool | None = None
    issue_ref: str = ""
    text: str = ""

    def apply(self, table: pd.DataFrame) -> pd.DataFrame:
        """Rows of a `commit_table` frame that pass every filter (text search: subject, message, sha)."""
        keep = pd.Series(True, index=table.index)
        if self.authors:
            keep &= table["author_name"].isin(self.authors) | table["author_email"].isin(self.authors)
        for flag, col in ((self.bugfix, "is_bugfix"), (self.revert, "is_revert"), (self.merges, "is_merge")):
            if flag is not None:
                keep &= table[col] == flag
        if self.has_issue is not None:
            keep &= (table["issue_refs"].str.len() > 0) == self.has_issue
        if self.issue_ref.strip():
            wanted = self.issue_ref.strip().upper()
            wanted = f"#{wanted}" if wanted.isdigit() else wanted.replace("GH-", "#")
            keep &= table["issue_refs"].str.upper().str.split().map(lambda refs: wanted in refs)
        if self.text.strip():
            needle = self.text.strip().lower()
            keep &= table["message"].str.lower().str.contains(needle, regex=False) | table[
                "sha"
            ].str.startswith(needle)
        return table[keep]


# --- delivery: releases, lead time, issues, failures (computed by `qroi.delivery.delivery_step` at ingest) --


def has_table(engine: Engine, name: str) -> bool:
    """Whether the store has a table: a store written before delivery signals existed lacks theirs."""
    return inspect(engine).has_table(name)


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


def releases(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Releases (tags matching the ingest's release pattern) made in the window, oldest first.

    `change_failure`: a patch release of the same line or a revert of a shipped commit followed
    within the ingest's failure window (see README, "Delivery signals").
    """
    if not has_table(engine, models.Release.__tablename__):
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
    rel = _bools(_read(engine, stmt.order_by(r.released_ts, r.tag)), "is_patch", "change_failure")
    rel.insert(0, "repo", repo)
    rel["released_at"] = queries.utc(rel["released_ts"])
    return rel[RELEASE_COLUMNS]


LEAD_TIME_COLUMNS = ["repo", "sha", "authored_ts", "release", "released_ts", "lead_days"]


def lead_times(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Lead time for changes: each released non-merge commit, its first release, and the days between.

    The ingest's definition: release time minus the commit's author time, for the earliest release
    whose tagged commit contains it. Commits no release contains yet have no lead time (left out,
    not zero). The window applies to the release time.
    """
    if not has_table(engine, models.CommitFeatures.__tablename__):
        return pd.DataFrame(columns=LEAD_TIME_COLUMNS)
    rid = repo_id(engine, repo)
    f, c = models.CommitFeatures, models.Commit
    stmt = (
        select(c.sha, c.authored_ts, f.first_release.label("release"), f.released_ts, f.lead_time_s)
        .join(c, c.id == f.commit_id)
        .where(f.repo_id == rid, f.lead_time_s.is_not(None), *window.where(f.released_ts))
    )
    lead = _read(engine, stmt)
    lead["lead_days"] = lead["lead_time_s"] / 86400
    lead.insert(0, "repo", repo)
    return lead.sort_values(["released_ts", "authored_ts"]).reset_index(drop=True)[LEAD_TIME_COLUMNS]


def monthly_lead_time(lead: pd.DataFrame) -> pd.DataFrame:
    """Median lead time of the changes released in each month (the month of the release)."""
    if lead.empty:
        return pd.DataFrame(columns=["month", "median_days", "changes"])
    grouped = lead.groupby(months(lead["released_ts"]))["lead_days"]
    out = pd.DataFrame({"median_days": grouped.median(), "changes": grouped.size()})
    out.index.name = "month"
    return out.reset_index()


def has_issues(engine: Engine, repo: str) -> bool:
    """Whether an issue-tracker export was imported for the repository (`qroi issues import`)."""
    if not has_table(engine, models.Issue.__tablename__):
        return False
    rid = repo_id(engine, repo)
    with engine.connect() as conn:
        return (
            conn.execute(select(models.Issue.id).where(models.Issue.repo_id == rid).limit(1)).first()
            is not None
        )


ISSUE_COLUMNS = ["repo", "key", "title", "kind", "created_ts", "closed_ts", "days"]


def closed_issues(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Imported issues closed in the window, with their time to close in days (closed minus created)."""
    if not has_table(engine, models.Issue.__tablename__):
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    rid = repo_id(engine, repo)
    i = models.Issue
    stmt = select(i.key, i.title, i.kind, i.created_ts, i.closed_ts).where(
        i.repo_id == rid, i.closed_ts.is_not(None), *window.where(i.closed_ts)
    )
    issues = _read(engine, stmt)
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
    spans = _read(engine, stmt)
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


def failed_changes(engine: Engine, repo: str, window: Window = ALL_TIME) -> pd.DataFrame:
    """Commits of the window that later failed: reverted, or blamed by a bug fix (SZZ bug-inducing).

    Reverts are the plain failures; SZZ links are noisier (blame is a heuristic) and undercount
    the recent past, whose bugs are not fixed yet.
    """
    if not has_table(engine, models.CommitFeatures.__tablename__):
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
        .where(c.repo_id == rid, *window.where(c.committed_ts))
        .where((f.reverted_later.is_(True)) | (induced.c.fixes_induced > 0))
    )
    rows = _bools(_read(engine, stmt), "reverted_later")
    rows["subject"] = rows["message"].str.split("\n", n=1).str[0]
    rows["days_to_revert"] = rows["time_to_revert_s"] / 86400
    rows.insert(0, "repo", repo)
    return rows.sort_values("committed_ts").reset_index(drop=True)[FAILURE_COLUMNS]


def bug_inducing(engine: Engine, repo: str, paths: Sequence[str]) -> pd.DataFrame:
    """SZZ links that blame commits for bugs in these paths: inducing sha, fixing sha, lines."""
    if not has_table(engine, models.BugLink.__tablename__) or not paths:
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
    return _read(engine, stmt)
