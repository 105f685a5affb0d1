"""The mainline (first-parent chain from HEAD) and the project's quality along it.

"Quality at a moment" is read from the mainline: a feature-branch commit describes that branch's
tree, not the project's, so its `py_*` columns must not leak into a trend line.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from qroi.read import queries, sql
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
    allc = sql.frame(engine, select(*cols).where(c.repo_id == rid))
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
