"""Time to change, from git alone: how long each change took to land on the main line, and to ship.

A *change* is what the main line (the first-parent chain of the ingested HEAD) received in one
step:

- a merged branch: a merge commit on the main line and the commits it brought in (those its
  second and later parents reach that no earlier main-line commit reached). Its cycle time runs
  from the earliest author time of those non-merge commits to the merge's commit time
  (method "branch");
- a commit made on the main line itself (a squash merge, a rebase, a cherry-pick, a direct push,
  a fast-forward): its cycle time runs from its author time to its commit time, which is when it
  was applied (method "author-to-commit"). A direct push by its author gives 0: no waiting was
  recorded. A fast-forwarded branch is indistinguishable from direct commits in git's graph.

`release_time` runs from landing to the first release (`qroi.delivery.releases`) whose tag
contains the landing commit; missing when no release contains it yet. A change is unplanned work
when it is a fix (`is_fix_change`). Merges that bring in no new non-merge commit (a branch merged
twice, back-merges) are not changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.labels import issue_links
from qroi.store import models
from qroi.store.database import repo_id

DAY = 86_400
BRANCH, DIRECT = "branch", "author-to-commit"
CHANGE_COLUMNS = [
    "repo",
    "change_sha",
    "method",
    "commits",
    "first_authored_ts",
    "landed_ts",
    "cycle_time_days",
    "released_ts",
    "release_time_days",
    "is_fix",
]
"""One row per change (`qroi export cycle_times`)."""


def is_fix_change(commit_ids: list[int], fixes: set[int]) -> bool:
    """Whether a change is unplanned work: one of its commits (or its merge) is a bug fix.

    The single place that says what "fix" means for changes, so switching to the stored change
    kinds of the labels layer touches nothing else.
    """
    return any(c in fixes for c in commit_ids)


def _mainline(by_sha: dict[str, tuple[int, list[str]]], head: str) -> list[str]:
    chain, sha = [], head
    while sha in by_sha:
        chain.append(sha)
        parents = by_sha[sha][1]
        sha = parents[0] if parents else ""
    return chain[::-1]


def commit_changes(engine: Engine, repo: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(changes, members): one row per change as in `CHANGE_COLUMNS` (plus `change_id`), and
    which non-merge commit ids belong to which change (`commit_id`, `change_id`)."""
    rid = repo_id(engine, repo)
    c, f = models.Commit, models.CommitFeatures
    with engine.connect() as conn:
        head = conn.execute(select(col(models.Repo.head_sha)).where(col(models.Repo.id) == rid)).scalar()
        rows = conn.execute(
            select(
                col(c.id),
                col(c.sha),
                col(c.parents),
                col(c.authored_ts),
                col(c.committed_ts),
                col(c.is_merge),
                col(f.released_ts),
            )
            .outerjoin(f, col(f.commit_id) == col(c.id))
            .where(col(c.repo_id) == rid)
            .order_by(col(c.generation), col(c.committed_ts), col(c.sha))
        ).all()
        fixes = issue_links.fix_commit_ids(conn, rid)
    by_sha = {r.sha: (r.id, r.parents.split()) for r in rows}
    info = {r.sha: r for r in rows}
    if not rows:
        return pd.DataFrame(columns=["change_id", *CHANGE_COLUMNS]), pd.DataFrame(
            columns=["commit_id", "change_id"]
        )
    mainline = _mainline(by_sha, head or rows[-1].sha)
    seen = set(mainline)
    out, members = [], []
    for sha in mainline:
        landing = info[sha]
        parents = by_sha[sha][1]
        if len(parents) < 2:
            commit_ids, method, first = [landing.id], DIRECT, landing.authored_ts
        else:
            brought = []
            stack = list(parents[1:])
            while stack:
                s = stack.pop()
                if s in seen or s not in info:
                    continue
                seen.add(s)
                brought.append(info[s])
                stack.extend(by_sha[s][1])
            own = [r for r in brought if not r.is_merge]
            if not own:
                continue
            commit_ids = [r.id for r in own]
            method, first = BRANCH, min(r.authored_ts for r in own)
        landed = landing.committed_ts
        released = landing.released_ts
        out.append(
            {
                "change_id": landing.id,
                "repo": repo,
                "change_sha": sha,
                "method": method,
                "commits": len(commit_ids),
                "first_authored_ts": first,
                "landed_ts": landed,
                "cycle_time_days": max(landed - first, 0) / DAY,
                "released_ts": released,
                "release_time_days": (released - landed) / DAY if released is not None else np.nan,
                "is_fix": is_fix_change([*commit_ids, landing.id], fixes),
            }
        )
        members += [(cid, landing.id) for cid in commit_ids]
    changes = pd.DataFrame(out, columns=["change_id", *CHANGE_COLUMNS])
    changes["released_ts"] = changes["released_ts"].astype("Int64")
    return changes, pd.DataFrame(members, columns=["commit_id", "change_id"])


def cycle_times(engine: Engine, repo: str) -> pd.DataFrame:
    """The export table: every change with its method, cycle time and release time."""
    return commit_changes(engine, repo)[0][CHANGE_COLUMNS]
