"""Read-side queries: the store's tables as pandas DataFrames for export, summary and dashboard.

Everything a report shows is computed here once, from the store alone (never from git), so the
CLI, the CSV export and the dashboard cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import sqlmodel
from sqlalchemy import Engine, func, select

from qroi.core import roles
from qroi.core.calendar import clock_offset
from qroi.labels import issue_links
from qroi.read import file_roles, lineage
from qroi.store import models
from qroi.store.database import repo_id

COMMIT_COLUMNS = [
    "repo",
    "sha",
    "parents",
    "author_name",
    "author_email",
    "authored_at",
    "committed_at",
    "is_merge",
    "insertions",
    "deletions",
    "files_changed",
    "is_bugfix",
    "is_revert",
    "reverted_sha",
    "issue_refs",
    "py_files",
    "py_sloc",
    "py_cc_total",
    "py_mi",
    "py_functions",
    "py_c_or_worse",
    "py_unscored",
    "committer_name",
    "committer_email",
    "generation",
    "message",
    "fix",
    "ns",
    "nd",
    "nf",
    "entropy",
    "la",
    "ld",
    "lt",
    "ndev",
    "age_days",
    "nuc",
    "exp",
    "rexp",
    "sexp",
    "cc_delta",
    "dmm_unit_size",
    "dmm_unit_complexity",
    "dmm_unit_interfacing",
    "bug_inducing",
    "fixes_induced",
    "first_release",
    "released_at",
    "lead_time_days",
    "reverted_later",
    "time_to_revert_days",
    "rework_lines",
    "reworked_lines",
    "kind",
    "kind_rule",
    "header_flags",
]
CHANGE_COLUMNS = [
    "repo",
    "sha",
    "path",
    "old_path",
    "change_type",
    "added",
    "deleted",
    "old_blob",
    "new_blob",
]
FILE_COLUMNS = [
    "repo",
    "path",
    "role",
    "blob",
    "loc",
    "lloc",
    "sloc",
    "comments",
    "cc_total",
    "cc_max",
    "functions",
    "mi",
    "mi_rank",
    "halstead_volume",
    "commits",
    "authors",
    "added",
    "deleted",
    "bugfix_commits",
    "first_commit_at",
    "last_commit_at",
    "parse_error",
    "owner",
    "owner_share",
    "minor_authors",
    "szz_fixes",
    "bug_inducing_commits",
    "rework_lines",
]
FUNCTION_COLUMNS = ["repo", "path", "name", "class_name", "lineno", "complexity", "rank"]
ISSUE_COLUMNS = [
    "repo",
    "key",
    "title",
    "kind",
    "type",
    "state",
    "labels",
    "created_at",
    "closed_at",
    "time_to_close_days",
    "commits",
    "first_commit_at",
    "time_in_development_days",
    "files_touched",
    "shas",
]
BUG_LINK_COLUMNS = [
    "repo",
    "fix_sha",
    "inducing_sha",
    "path",
    "lines",
    "fix_at",
    "inducing_at",
    "days_to_fix",
]
RELEASE_COLUMNS = [
    "repo",
    "tag",
    "sha",
    "released_at",
    "version",
    "is_patch",
    "commits",
    "previous_tag",
    "days_since_previous",
    "change_failure",
    "patched_by",
    "reverted_commits",
    "median_lead_time_days",
]
DAY = 86_400
NON_MERGE = sqlmodel.col(models.Commit.is_merge).is_(False)
"""A change is a non-merge commit: a merge only brings in commits already counted, so every
per-change figure (lead time, bug-inducing and reverted shares) leaves merges out."""
MINOR_SHARE = 0.05  # Bird et al. (2011): a minor contributor made under 5% of a file's changes


def iso(ts: int | None, tz_minutes: int | None) -> str | None:
    """Unix seconds + offset -> ISO 8601 with the original offset, e.g. 2024-03-01T10:00:00+05:30."""
    if ts is None or pd.isna(ts):
        return None
    zone = timezone(timedelta(minutes=clock_offset(int(tz_minutes or 0))))  # stored by an older qroi
    return datetime.fromtimestamp(int(ts), zone).isoformat()


def iso_column(ts: pd.Series, tz_minutes: pd.Series) -> list[str | None]:
    """`iso` of each row of a frame's time and offset columns (how every exported `*_at` is made)."""
    return [iso(t, z) for t, z in zip(ts, tz_minutes, strict=True)]


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


def read(engine: Engine, stmt: object) -> pd.DataFrame:
    """A statement's rows as a DataFrame, for other read-side modules (`qroi.read.ai_frames`)."""
    return _frame(engine, stmt)


def _repo_frame(engine: Engine, stmt: object, repo: str) -> pd.DataFrame:
    """A query's rows with the repository's name as the first column (as exports show it)."""
    df = _frame(engine, stmt)
    df.insert(0, "repo", repo)
    return df


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
            models.Repo.id,
            models.Repo.name,
            models.Repo.source,
            models.Repo.head_sha,
            models.Repo.last_ingest_ts,
            models.Repo.last_ingest_seconds,
            func.coalesce(counts.c.commits, 0).label("commits"),
            func.coalesce(counts.c.authors, 0).label("authors"),
            counts.c.first_ts,
            counts.c.last_ts,
        )
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
    df["authored_at"] = iso_column(df["authored_ts"], df["author_tz"])
    df["committed_at"] = iso_column(df["committed_ts"], df["committer_tz"])
    return df.merge(commit_delivery(engine, rid), how="left", left_on="id", right_index=True)


def changes(engine: Engine, repo: str) -> pd.DataFrame:
    """Every file change of every non-merge commit, with the commit's sha and time."""
    rid = repo_id(engine, repo)
    ch, c = models.Change, models.Commit
    stmt = (
        select(
            c.sha,
            ch.path,
            ch.old_path,
            ch.change_type,
            ch.added,
            ch.deleted,
            ch.old_blob,
            ch.new_blob,
            ch.is_python,
            c.id.label("commit_id"),
            c.authored_ts,
            c.author_tz,
            c.author_email,
            c.is_bugfix,
            c.generation,
            c.committed_ts,
        )
        .join(c, c.id == ch.commit_id)
        .where(ch.repo_id == rid)
        .order_by(c.generation, c.committed_ts, c.sha, ch.id)
    )
    return _repo_frame(engine, stmt, repo)


def paths_by_commit(engine: Engine, repo: str) -> set[tuple[str, str]]:
    """(sha, path) of every file each commit changed, old paths of renames too; a merge's are those
    of its diff against its first parent. Which commits touched a file of some role is read here."""
    rid = repo_id(engine, repo)
    c = models.Commit
    found: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        for table in (models.Change, models.MergeChange):
            rows = conn.execute(
                select(sqlmodel.col(c.sha), sqlmodel.col(table.path), sqlmodel.col(table.old_path))
                .join(c, sqlmodel.col(c.id) == sqlmodel.col(table.commit_id))
                .where(sqlmodel.col(table.repo_id) == rid)
            )
            for sha, path, old_path in rows:
                found.add((sha, path))
                if old_path:
                    found.add((sha, old_path))
    return found


def author_names(engine: Engine, repo: str) -> dict[str, str]:
    """Author e-mail -> the name on that address's latest commit (identities after `.mailmap`).

    Owners are keyed by e-mail (one definition with `qroi export files`); people are shown by name.
    """
    c = models.Commit
    stmt = (
        select(sqlmodel.col(c.author_email), sqlmodel.col(c.author_name))
        .where(sqlmodel.col(c.repo_id) == repo_id(engine, repo))
        .order_by(sqlmodel.col(c.authored_ts), sqlmodel.col(c.generation), sqlmodel.col(c.sha))
    )
    with engine.connect() as conn:
        names = {email: name for email, name in conn.execute(stmt)}
    return {email: (name or "").strip() or "(no name)" for email, name in names.items()}


def commits_touching(engine: Engine, repo: str, kept: frozenset[str]) -> set[str]:
    """Shas of the commits that changed a file of the kept roles (`qroi export commits --roles`)."""
    rules = file_roles.rules(engine, repo)
    return {sha for sha, path in paths_by_commit(engine, repo) if roles.role_of(path, rules) in kept}


def head_files(engine: Engine, repo: str, globs: roles.Overrides | None = None) -> pd.DataFrame:
    """Python files at the ingested HEAD with their Radon scores and change history; `role` as
    `qroi.read.file_roles` resolves it (with a command's `--include`/`--exclude` `globs`).

    History and ownership are per lineage (`qroi.read.lineage`): a file's commits under the paths it
    had before a rename count for its path at HEAD. SZZ and rework columns are by path.
    """
    rid = repo_id(engine, repo)
    hf, b = models.HeadFile, models.Blob
    stmt = (
        select(
            hf.path,
            hf.blob,
            b.loc,
            b.lloc,
            b.sloc,
            b.comments,
            b.multi,
            b.blank,
            b.single_comments,
            b.cc_total,
            b.cc_max,
            b.cc_mean,
            b.functions,
            b.c_or_worse,
            b.mi,
            b.mi_rank,
            b.h_volume.label("halstead_volume"),
            b.h_difficulty,
            b.h_effort,
            b.h_bugs,
            b.error_kind,
            b.error,
            b.translated,
        )
        .outerjoin(b, b.blob == hf.blob)
        .where(hf.repo_id == rid)
        .order_by(hf.path)
    )
    files = _frame(engine, stmt)
    files.insert(0, "repo", repo)
    files["role"] = file_roles.role_column(engine, repo, files["path"], globs)
    files["parse_error"] = [
        f"{k}: {e}" if isinstance(k, str) else None
        for k, e in zip(files["error_kind"], files["error"], strict=True)
    ]
    ch, _ = lineage.followed(engine, repo, changes(engine, repo), files["path"])
    files = files.merge(_history_by_path(ch), how="left", left_on="path", right_index=True)
    files = files.merge(_ownership_by_path(ch), how="left", left_on="path", right_index=True)
    files = files.merge(_defects_by_path(engine, rid), how="left", left_on="path", right_index=True)
    for col in (
        "commits",
        "authors",
        "added",
        "deleted",
        "bugfix_commits",
        "minor_authors",
        "szz_fixes",
        "bug_inducing_commits",
        "rework_lines",
    ):
        files[col] = files[col].fillna(0).astype("int64")
    return files


def _history_by_path(ch: pd.DataFrame) -> pd.DataFrame:
    """Per path: commits, distinct authors, lines added/deleted, bug-fix commits, first/last commit."""
    if ch.empty:
        return pd.DataFrame(
            columns=[
                "commits",
                "authors",
                "added",
                "deleted",
                "bugfix_commits",
                "first_commit_at",
                "last_commit_at",
            ]
        )
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
            "bugfix_commits": ordered[ordered["is_bugfix"].astype(bool)]
            .groupby("path")["commit_id"]
            .nunique(),
            "first_commit_at": iso_column(first["authored_ts"], first["author_tz"]),
            "last_commit_at": iso_column(last["authored_ts"], last["author_tz"]),
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
    return _repo_frame(engine, stmt, repo)


def unscored_blobs(engine: Engine, repo: str) -> pd.DataFrame:
    """Distinct Python blobs of a repository's history that could not be scored, by kind."""
    rid = repo_id(engine, repo)
    ch, b = models.Change, models.Blob
    blobs = (
        select(ch.new_blob)
        .where(ch.repo_id == rid, ch.is_python, ch.new_blob.is_not(None))
        .distinct()
        .subquery()
    )
    stmt = (
        select(b.error_kind, func.count().label("blobs"))
        .join(blobs, blobs.c.new_blob == b.blob)
        .group_by(b.error_kind)
        .order_by(b.error_kind)
    )
    return _frame(engine, stmt)


# -- delivery signals (qroi.delivery.delivery_step writes them; README "Delivery signals" defines them) --------


def _days(seconds: pd.Series) -> pd.Series:
    return pd.to_numeric(seconds, errors="coerce") / DAY


def commit_delivery(engine: Engine, rid: int) -> pd.DataFrame:
    """Per commit id: Kamei features, DMM, SZZ, release and rework columns (export names)."""
    f, bl, rl = models.CommitFeatures, models.BugLink, models.ReworkLink
    df = _frame(engine, select(f).where(f.repo_id == rid)).set_index("commit_id")
    with engine.connect() as conn:
        fixes = issue_links.fix_commit_ids(conn, rid)
        induced = dict(
            conn.execute(
                select(bl.inducing_commit_id, func.count(func.distinct(bl.fix_commit_id)))
                .where(bl.repo_id == rid)
                .group_by(bl.inducing_commit_id)
            ).all()
        )
        reworked = dict(
            conn.execute(
                select(rl.origin_commit_id, func.sum(rl.lines))
                .where(rl.repo_id == rid)
                .group_by(rl.origin_commit_id)
            ).all()
        )
    out = df.drop(
        columns=["repo_id", "dmm_done", "szz_done", "released_ts", "lead_time_s", "time_to_revert_s"]
    )
    ids = list(df.index)
    out["fix"] = pd.array([i in fixes for i in ids], dtype="boolean")
    out["fixes_induced"] = pd.array([induced.get(i, 0) for i in ids], dtype="Int64")
    out["bug_inducing"] = out["fixes_induced"] > 0
    out["reworked_lines"] = pd.array(
        [
            reworked.get(i, 0) if r is not pd.NA else pd.NA
            for i, r in zip(ids, df["rework_lines"], strict=True)
        ],
        dtype="Int64",
    )
    out["released_at"] = [iso(t, 0) for t in df["released_ts"]]
    out["lead_time_days"] = _days(df["lead_time_s"])
    out["time_to_revert_days"] = _days(df["time_to_revert_s"])
    return out


def _ownership_by_path(ch: pd.DataFrame) -> pd.DataFrame:
    """Per path: the author of most commits, their share of the commits, and minor contributors."""
    if ch.empty:
        return pd.DataFrame(columns=["owner", "owner_share", "minor_authors"])
    per_author = ch.groupby(["path", "author_email"])["commit_id"].nunique().rename("n").reset_index()
    per_author["share"] = per_author["n"] / per_author.groupby("path")["n"].transform("sum")
    ranked = per_author.sort_values(["path", "n", "author_email"], ascending=[True, False, True])
    top = ranked.groupby("path").first()
    return pd.DataFrame(
        {
            "owner": top["author_email"],
            "owner_share": top["share"],
            "minor_authors": per_author[per_author["share"] < MINOR_SHARE].groupby("path").size(),
        }
    )


def _defects_by_path(engine: Engine, rid: int) -> pd.DataFrame:
    """Per path: SZZ fixes, distinct bug-inducing commits, and rework lines."""
    bl, rl = models.BugLink, models.ReworkLink
    szz = _frame(
        engine,
        select(
            bl.path,
            func.count(func.distinct(bl.fix_commit_id)).label("szz_fixes"),
            func.count(func.distinct(bl.inducing_commit_id)).label("bug_inducing_commits"),
        )
        .where(bl.repo_id == rid)
        .group_by(bl.path),
    ).set_index("path")
    rework = _frame(
        engine,
        select(rl.path, func.sum(rl.lines).label("rework_lines")).where(rl.repo_id == rid).group_by(rl.path),
    ).set_index("path")
    return szz.join(rework, how="outer")


def issues(engine: Engine, repo: str) -> pd.DataFrame:
    """Imported issues with their linked commits, times to close and time in development."""
    rid = repo_id(engine, repo)
    i, c, ch = models.Issue, models.Commit, models.Change
    df = _frame(
        engine,
        select(
            i.id,
            i.key,
            i.title,
            i.kind,
            i.issue_type.label("type"),
            i.state,
            i.labels,
            i.created_ts,
            i.created_tz,
            i.closed_ts,
            i.closed_tz,
        )
        .where(i.repo_id == rid)
        .order_by(i.created_ts, i.key),
    )
    links = issue_links.linked_commits().where(i.repo_id == rid).subquery()
    commits = _frame(
        engine,
        select(links.c.issue_id, c.sha, c.authored_ts)
        .join(c, c.id == links.c.commit_id)
        .order_by(c.authored_ts, c.sha),
    ).drop_duplicates()
    paths = _frame(
        engine, select(links.c.issue_id, ch.path).join(ch, ch.commit_id == links.c.commit_id).distinct()
    )
    by_issue = commits.groupby("issue_id")
    df["repo"] = repo
    df["created_at"] = iso_column(df["created_ts"], df["created_tz"])
    df["closed_at"] = iso_column(df["closed_ts"], df["closed_tz"])
    closed = pd.to_numeric(df["closed_ts"], errors="coerce")
    took = closed - df["created_ts"]
    df["time_to_close_days"] = (took / DAY).where(took >= 0)
    df["commits"] = df["id"].map(by_issue.size()).fillna(0).astype("int64")
    first = df["id"].map(by_issue["authored_ts"].min())
    df["first_commit_at"] = [iso(t, 0) if pd.notna(t) else None for t in first]
    developing = closed - first
    df["time_in_development_days"] = (developing / DAY).where(developing >= 0)
    df["files_touched"] = df["id"].map(paths.groupby("issue_id").size()).fillna(0).astype("int64")
    # object first: with no linked commit at all the mapped column is numeric and refuses ""
    df["shas"] = df["id"].map(by_issue["sha"].agg(" ".join)).astype(object).fillna("")
    return df


def bug_links(engine: Engine, repo: str) -> pd.DataFrame:
    """SZZ links: fix commit, bug-inducing commit, path (at the fix's parent), blamed lines."""
    rid = repo_id(engine, repo)
    bl = models.BugLink
    fix, inducing = models.Commit.__table__.alias("fix"), models.Commit.__table__.alias("inducing")
    df = _frame(
        engine,
        select(
            fix.c.sha.label("fix_sha"),
            inducing.c.sha.label("inducing_sha"),
            bl.path,
            bl.lines,
            fix.c.authored_ts.label("fix_ts"),
            fix.c.author_tz.label("fix_tz"),
            inducing.c.authored_ts.label("inducing_ts"),
            inducing.c.author_tz.label("inducing_tz"),
        )
        .join(fix, fix.c.id == bl.fix_commit_id)
        .join(inducing, inducing.c.id == bl.inducing_commit_id)
        .where(bl.repo_id == rid)
        .order_by(fix.c.generation, fix.c.sha, bl.path, inducing.c.sha),
    )
    df.insert(0, "repo", repo)
    df["fix_at"] = iso_column(df["fix_ts"], df["fix_tz"])
    df["inducing_at"] = iso_column(df["inducing_ts"], df["inducing_tz"])
    df["days_to_fix"] = (df["fix_ts"] - df["inducing_ts"]) / DAY
    return df


def releases(engine: Engine, repo: str) -> pd.DataFrame:
    """Releases in time order with change failure and the median lead time of what they shipped.

    The median is over the non-merge commits shipped first in the release, as every lead-time
    figure (`qroi.read.delivery.ChangeOutcomes`): a merge only brings in commits already counted.
    """
    rid = repo_id(engine, repo)
    r, f, c = models.Release, models.CommitFeatures, models.Commit
    df = _frame(engine, select(r).where(r.repo_id == rid).order_by(r.released_ts, r.tag))
    lead = _frame(
        engine,
        select(f.first_release, f.lead_time_s)
        .join(c, c.id == f.commit_id)
        .where(f.repo_id == rid, NON_MERGE, f.first_release.is_not(None)),
    )
    df["repo"] = repo
    df["released_at"] = [iso(t, 0) for t in df["released_ts"]]
    df["days_since_previous"] = pd.to_numeric(df["released_ts"], errors="coerce").diff() / DAY
    medians = (
        lead.groupby("first_release")["lead_time_s"].median() / DAY if len(lead) else pd.Series(dtype=float)
    )
    df["median_lead_time_days"] = df["tag"].map(medians)
    return df


def release_frequency(engine: Engine, repo: str) -> pd.DataFrame:
    """Releases per calendar month (UTC), every month from the first release to the last."""
    df = releases(engine, repo)
    if df.empty:
        return pd.DataFrame({"month": pd.Series(dtype=str), "releases": pd.Series(dtype="int64")})
    months = utc(df["released_ts"]).dt.strftime("%Y-%m")
    counts = months.value_counts()
    span = pd.period_range(months.min(), months.max(), freq="M").strftime("%Y-%m")
    return pd.DataFrame({"month": span, "releases": [int(counts.get(m, 0)) for m in span]})
