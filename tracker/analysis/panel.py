"""The claim test's unit of analysis: a file x time-window panel, built from the store alone.

Quality is measured on the snapshot of the main line at the *start* of each window and outcomes
are counted *during* the window, so "bug fixes make code more complex" cannot masquerade as
"complex code attracts bugs". The main line is the first-parent chain of the ingested HEAD; its
tree at any point is rebuilt by replaying the stored diffs (commit changes and the merges' diffs
against their first parent), never by asking git.

A file is followed through renames and moves (its *lineage*, `qroi.read.lineage`, the rule shared
with the hotspots and File history): the unit of analysis, its age, prior commits and ownership
continue under its new path, so a move into `src/` does not split 73 files into 93 units. Only
complete windows are kept (the last, still-running window would undercount outcomes).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from qroi.core import roles
from qroi.core.calendar import Window, window_months, windows
from qroi.labels import issue_links
from qroi.read import cycle_time, file_roles, queries
from qroi.read.lineage import Lineage, diffs_of, lineages, mainline_of
from qroi.store import models
from qroi.store.database import chunks, repo_id

SPEED_COLUMNS = (
    "changes",
    "fix_changes",
    "unplanned_share",
    "cycle_time",
    "max_cycle_time",
    "release_time",
    "value",
    "value_cost",
)
"""Delivery speed per file x window (definitions: `_speed`; changes: `qroi.read.cycle_time`)."""

QUALITY_COLUMNS = (
    "mi",
    "cc_total",
    "cc_max",
    "cc_mean",
    "cc_density",
    "c_share",
    "functions",
    "h_volume",
    "h_effort",
    "h_bugs",
)
GROWTH = "cc_growth"
"""Complexity growth: the file's `cc_density` at the window start minus at the previous window's
start (the change of complexity per 100 sloc over the previous window); NaN in a file's first
window. Quality at the window start against outcomes during it, like every quality column, so a
file's growth is always measured before the changes whose speed it is tested against."""


def _snapshots(
    mainline: list[int], times: dict[int, int], diffs: dict[int, list], bounds: list[Window]
) -> Iterator[tuple[Window, dict[str, str]]]:
    """The Python path -> blob map of the main line at the start of each window."""
    tree: dict[str, str] = {}
    position = 0
    for window in bounds:
        while position < len(mainline) and times[mainline[position]] < window.start:
            for path, old_path, kind, blob, is_python in diffs.get(mainline[position], ()):
                if kind == "rename" and old_path:
                    tree.pop(old_path, None)
                if kind == "delete" or not (is_python and blob):
                    tree.pop(path, None)
                else:
                    tree[path] = blob
            position += 1
        yield window, dict(tree)


def _blob_metrics(engine: Engine, blobs: set[str]) -> pd.DataFrame:
    b = models.Blob
    cols = [
        b.blob,
        b.sloc,
        b.loc,
        b.cc_total,
        b.cc_max,
        b.cc_mean,
        b.functions,
        b.c_or_worse,
        b.mi,
        b.h_volume,
        b.h_effort,
        b.h_bugs,
        b.error_kind,
    ]
    frames = []
    with engine.connect() as conn:
        for part in chunks(sorted(blobs)):
            frames.append(pd.DataFrame(conn.execute(select(*cols).where(b.blob.in_(part))).mappings().all()))
    metrics = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[c.key for c in cols])
    metrics = metrics[metrics["error_kind"].isna()].drop(columns="error_kind").set_index("blob")
    metrics = metrics.astype(float)
    metrics["cc_density"] = metrics["cc_total"] / metrics["sloc"].where(metrics["sloc"] > 0) * 100
    metrics["c_share"] = metrics["c_or_worse"] / metrics["functions"].where(metrics["functions"] > 0)
    return metrics


def build_panel(
    engine: Engine, repo: str, window: str = "6M", globs: roles.Overrides | None = None
) -> pd.DataFrame:
    """One row per (Python file at a window's start, window): quality then, outcomes during.

    Columns: repo, path (at the window start), lineage (the unit: the file through its renames), role
    (`qroi.core.roles`: product, test, docs...), window, window_start, blob, quality (`QUALITY_COLUMNS`), size (`sloc`,
    `loc`), exposure (`commits`: non-merge commits touching the file in the window), outcomes
    (`bugfix_commits`: fixes by message or by a linked bug issue; `bug_inducing`: commits of the
    window that SZZ later blamed for a bug in this file; `rework`: lines of the file rewritten
    within the rework window, counted when deleted; `churn`: lines added + deleted; `dev_time`:
    median days in development of the closed issues linked to the window's commits, when issues
    were imported; the delivery-speed columns `SPEED_COLUMNS`, see `_speed`), and controls (`authors` in the window, `age_days` of the file at the window
    start, `prior_commits` before it, `owner_share`: the top author's share of those).
    """
    months = window_months(window)
    rid = repo_id(engine, repo)
    commits = queries.commits(engine, repo)
    if commits.empty:
        return pd.DataFrame()
    with engine.connect() as conn:
        head = conn.execute(select(models.Repo.head_sha).where(models.Repo.id == rid)).scalar()
    head = head or commits["sha"].iloc[-1]
    mainline = mainline_of(commits, head)
    times = dict(zip(commits["id"], commits["committed_ts"], strict=True))
    bounds = windows(int(commits["authored_ts"].min()), int(commits["committed_ts"].max()), months)
    if not bounds:
        return pd.DataFrame()
    diffs = diffs_of(engine, rid)
    snapshots = list(_snapshots(mainline, times, diffs, bounds))
    metrics = _blob_metrics(engine, {blob for _, tree in snapshots for blob in tree.values()})
    lineage_of = lineages(mainline, times, diffs)

    rows = [
        (window.index, window.start, path, lineage_of(path, window.start - 1), blob)
        for window, tree in snapshots
        for path, blob in tree.items()
    ]
    # Joins below are on (lineage, window): `path` holds the lineage until the end.
    panel = pd.DataFrame(rows, columns=["window", "window_ts", "shown_path", "path", "blob"])
    panel = panel[panel["blob"].isin(metrics.index)]
    if panel.empty:  # no scored Python file at any window start (a history shorter than a window)
        return pd.DataFrame()
    panel = panel.join(metrics, on="blob")
    touching = _touching(engine, repo, rid, bounds, lineage_of)
    panel = panel.join(_activity(touching), on=["path", "window"])
    panel = panel.join(_delivery(engine, rid, touching, bounds, lineage_of), on=["path", "window"])
    panel = panel.join(_history_before(touching, bounds), on=["path", "window"])
    panel = panel.join(_speed(engine, repo, touching, bounds), on=["path", "window"])
    for col in (
        "commits",
        "bugfix_commits",
        "bug_inducing",
        "rework",
        "churn",
        "authors",
        "prior_commits",
        "changes",
        "fix_changes",
    ):
        panel[col] = panel[col].fillna(0).astype("int64")
    panel["age_days"] = ((panel["window_ts"] - panel["first_ts"]) / 86400).clip(lower=0)
    panel = panel.rename(columns={"path": "lineage", "shown_path": "path"})
    panel.insert(0, "repo", repo)
    panel["role"] = file_roles.role_column(engine, repo, panel["path"], globs)
    panel["window_start"] = pd.to_datetime(panel["window_ts"], unit="s", utc=True).dt.strftime("%Y-%m-%d")
    panel[GROWTH] = _growth(panel)
    ordered = [
        "repo",
        "path",
        "lineage",
        "role",
        "window",
        "window_start",
        "blob",
        *QUALITY_COLUMNS,
        GROWTH,
        "sloc",
        "loc",
        "commits",
        "bugfix_commits",
        "bug_inducing",
        "rework",
        "churn",
        "dev_time",
        *SPEED_COLUMNS,
        "authors",
        "age_days",
        "prior_commits",
        "owner_share",
    ]
    return panel[ordered].sort_values(["window", "path"]).reset_index(drop=True)


def _growth(panel: pd.DataFrame) -> pd.Series:
    """`cc_density` minus the same lineage's in the window just before (see `GROWTH`)."""
    before = panel[["lineage", "window", "cc_density"]].assign(window=panel["window"] + 1)
    before = before.drop_duplicates(["lineage", "window"])
    previous = panel[["lineage", "window"]].merge(before, on=["lineage", "window"], how="left")
    return pd.Series(panel["cc_density"].to_numpy() - previous["cc_density"].to_numpy(), index=panel.index)


def _window_of(ts: pd.Series, bounds: list[Window]) -> pd.Series:
    starts = np.array([w.start for w in bounds])
    index = np.searchsorted(starts, ts.to_numpy(), side="right") - 1
    inside = (index >= 0) & (ts.to_numpy() < bounds[-1].end)
    return pd.Series(np.where(inside, index, -1), index=ts.index)


def _touching(engine: Engine, repo: str, rid: int, bounds: list[Window], lineage_of: Lineage) -> pd.DataFrame:
    """Every (lineage, non-merge commit) pair, with the commit's window (-1: outside all windows),
    in a column named `path` like the rest of the panel's keys.

    A commit touches a file if it changed, added, deleted, or renamed it (a rename's lines count
    once).
    """
    ch = queries.changes(engine, repo)
    ch = ch.assign(
        window=_window_of(ch["authored_ts"], bounds), lines=ch["added"].fillna(0) + ch["deleted"].fillna(0)
    )
    moved = ch[(ch["change_type"] == "rename") & ch["old_path"].notna()]
    ch = pd.concat([ch, moved.assign(path=moved["old_path"], lines=0)], ignore_index=True)
    ch["path"] = [lineage_of(p, int(t)) for p, t in zip(ch["path"], ch["authored_ts"], strict=True)]
    with engine.connect() as conn:
        fixes = issue_links.fix_commit_ids(conn, rid)
    return ch.assign(is_fix=ch["commit_id"].isin(fixes))


def _activity(touching: pd.DataFrame) -> pd.DataFrame:
    """Per (path, window): commits, bug-fix commits, churn and authors of non-merge commits."""
    ch = touching[touching["window"] >= 0]
    grouped = ch.groupby(["path", "window"])
    return pd.DataFrame(
        {
            "commits": grouped["commit_id"].nunique(),
            "bugfix_commits": ch[ch["is_fix"]].groupby(["path", "window"])["commit_id"].nunique(),
            "churn": grouped["lines"].sum(),
            "authors": grouped["author_email"].nunique(),
        }
    )


def _delivery(
    engine: Engine, rid: int, touching: pd.DataFrame, bounds: list[Window], lineage_of: Lineage
) -> pd.DataFrame:
    """Per (lineage, window): SZZ bug-inducing commits, rework lines, issues' time in development."""
    bl, rl, c = models.BugLink, models.ReworkLink, models.Commit
    with engine.connect() as conn:
        induced = pd.DataFrame(
            conn.execute(
                select(bl.path, bl.inducing_commit_id, c.authored_ts)
                .join(c, c.id == bl.inducing_commit_id)
                .where(bl.repo_id == rid)
                .distinct()
            ).all(),
            columns=["path", "commit_id", "authored_ts"],
        )
        reworked = pd.DataFrame(
            conn.execute(
                select(rl.path, rl.lines, c.authored_ts)
                .join(c, c.id == rl.commit_id)
                .where(rl.repo_id == rid)
            ).all(),
            columns=["path", "lines", "authored_ts"],
        )
    for links in (induced, reworked):
        links["path"] = [
            lineage_of(p, int(t)) for p, t in zip(links["path"], links["authored_ts"], strict=True)
        ]
    induced["window"] = _window_of(induced["authored_ts"], bounds) if len(induced) else []
    reworked["window"] = _window_of(reworked["authored_ts"], bounds) if len(reworked) else []
    frame = pd.DataFrame(
        {
            "bug_inducing": induced[induced["window"] >= 0]
            .groupby(["path", "window"])["commit_id"]
            .nunique(),
            "rework": reworked[reworked["window"] >= 0].groupby(["path", "window"])["lines"].sum(),
        }
    )
    return frame.join(_dev_time(engine, rid, touching), how="outer")


def _dev_time(engine: Engine, rid: int, touching: pd.DataFrame) -> pd.Series:
    """Median days from first commit to close of the closed issues linked to a file's window commits."""
    i = models.Issue
    links = issue_links.linked_commits().where(i.repo_id == rid).subquery()
    with engine.connect() as conn:
        rows = conn.execute(
            select(links.c.issue_id, links.c.commit_id, i.closed_ts)
            .join(i, i.id == links.c.issue_id)
            .where(i.closed_ts.is_not(None))
        ).all()
    linked = pd.DataFrame(rows, columns=["issue_id", "commit_id", "closed_ts"])
    if linked.empty:
        return pd.Series(
            dtype=float, name="dev_time", index=pd.MultiIndex.from_arrays([[], []], names=["path", "window"])
        )
    first = touching.groupby("commit_id")["authored_ts"].first()
    linked["first_ts"] = linked["commit_id"].map(first)
    started = linked.groupby("issue_id")["first_ts"].min()
    days = ((linked.groupby("issue_id")["closed_ts"].first() - started) / 86400).rename("days")
    per_file = touching[touching["window"] >= 0].merge(linked[["issue_id", "commit_id"]], on="commit_id")
    per_file = per_file.join(days[days > 0], on="issue_id").dropna(subset=["days"])
    per_file = per_file.drop_duplicates(["path", "window", "issue_id"])
    return per_file.groupby(["path", "window"])["days"].median().rename("dev_time")


def _history_before(touching: pd.DataFrame, bounds: list[Window]) -> pd.DataFrame:
    """Per (path, window): when the path first changed, how often before the window, and how
    concentrated those changes were (the top author's share)."""
    ch = touching[["path", "commit_id", "authored_ts", "author_email"]].drop_duplicates(["path", "commit_id"])
    first = ch.groupby("path")["authored_ts"].min()
    out = []
    for window in bounds:
        before = ch[ch["authored_ts"] < window.start]
        per_author = before.groupby(["path", "author_email"]).size()
        total = per_author.groupby("path").sum()
        out.append(
            pd.DataFrame(
                {
                    "prior_commits": total,
                    "owner_share": per_author.groupby("path").max() / total,
                    "window": window.index,
                }
            )
        )
    history = pd.concat(out).reset_index().set_index(["path", "window"])
    history["first_ts"] = history.index.get_level_values("path").map(first)
    return history


def _speed(engine: Engine, repo: str, touching: pd.DataFrame, bounds: list[Window]) -> pd.DataFrame:
    """Per (lineage, window): the changes (`qroi.read.cycle_time`) that touched the file and
    landed on the main line in the window, and how fast they were.

    - `changes`: such changes; `fix_changes`: those that are fixes; `unplanned_share` =
      fix_changes / changes (missing when no change landed);
    - `cycle_time`: the mean of their cycle times in days (Code Red's mean time in development),
      `max_cycle_time` their maximum (predictability), `release_time` the mean days from landing
      to the first release containing them (over the changes released so far);
    - `value` (Borg et al. 2024: value = capacity x (1 - unplanned share), capacity ~ 1 / time):
      (1 - unplanned_share) / cycle_time, planned changes deliverable per day of cycle time; and
      `value_cost` = 1 / value, days of cycle time per planned change, the form the claim test
      analyses (more is worse, like every outcome). Missing when cycle_time is 0 or every change
      was a fix.
    """
    changes, members = cycle_time.commit_changes(engine, repo)
    touched = (
        touching[["path", "commit_id"]].merge(members, on="commit_id").drop_duplicates(["path", "change_id"])
    )
    touched = touched.merge(changes, on="change_id")
    touched["window"] = _window_of(touched["landed_ts"], bounds) if len(touched) else []
    grouped = touched[touched["window"] >= 0].groupby(["path", "window"])
    frame = pd.DataFrame(
        {
            "changes": grouped["change_id"].nunique(),
            "fix_changes": grouped["is_fix"].sum(),
            "cycle_time": grouped["cycle_time_days"].mean(),
            "max_cycle_time": grouped["cycle_time_days"].max(),
            "release_time": grouped["release_time_days"].mean(),
        }
    ).astype(float)  # numeric even when no change landed in a window
    frame["unplanned_share"] = frame["fix_changes"] / frame["changes"]
    planned = 1 - frame["unplanned_share"]
    frame["value"] = (planned / frame["cycle_time"]).where((frame["cycle_time"] > 0) & (planned > 0))
    frame["value_cost"] = 1 / frame["value"]
    if frame.empty:
        frame.index = pd.MultiIndex.from_arrays([[], []], names=["path", "window"])
    return frame[list(SPEED_COLUMNS)]
