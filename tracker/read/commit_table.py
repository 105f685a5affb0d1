"""The commit table: every commit of a period with what it did to the project's Python quality."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from qroi.core.calendar import ALL_TIME, Period
from qroi.read import queries, sql
from qroi.read.mainline import QUALITY_COLUMNS, quality_series
from qroi.store import models
from qroi.store.database import repo_id

DELTA_SOURCES = {
    "d_sloc": "py_sloc",
    "d_cc_total": "py_cc_total",
    "d_mi": "py_mi",
    "d_functions": "py_functions",
    "d_c_or_worse": "py_c_or_worse",
    "d_files": "py_files",
}


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
    "kind",
    "kind_rule",
    "is_revert",
    "mainline",
    "issue_refs",
    "insertions",
    "deletions",
    "files_changed",
    *QUALITY_COLUMNS,
    *DELTA_SOURCES,
    "message",
]


def commit_table(engine: Engine, repo: str, window: Period = ALL_TIME) -> pd.DataFrame:
    """Commits in the window, newest first, with quality deltas against the first parent.

    `d_*` = the commit's `py_*` minus its first parent's: what this commit did to the project's
    Python quality (for a merge, what merging the branch did to the trunk). A root commit is
    compared with the empty tree; its MI delta is empty, as the empty tree has no MI.

    `mainline`: the commit is on the first-parent chain from HEAD. Deltas add up only along it
    (to HEAD's figure minus the one before the window): a merge's delta already holds what its
    branch's commits did, so a total over every commit counts the branch twice.
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
        c.kind,
        c.kind_rule,
        c.is_revert,
        c.issue_refs,
        c.insertions,
        c.deletions,
        c.files_changed,
        *(getattr(c, q) for q in QUALITY_COLUMNS),
    ]
    rows = sql.bools(
        sql.frame(engine, select(*cols).where(c.repo_id == rid, *window.where(c.committed_ts))),
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
            outside.append(sql.frame(engine, stmt).set_index("sha"))
        known = pd.concat([known, *outside])
    parent = known.reindex(first.fillna("")).reset_index(drop=True)
    is_root = first.isna().to_numpy()
    for delta, col in DELTA_SOURCES.items():
        base = parent[col].astype("float64").to_numpy()
        if col != "py_mi":
            base = np.where(is_root, 0.0, base)
        rows[delta] = rows[col].astype("float64").to_numpy() - base
    rows["mainline"] = rows["sha"].isin(quality_series(engine, repo)["sha"])
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
