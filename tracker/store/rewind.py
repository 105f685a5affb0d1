"""Forget a repository's mined history, keeping what does not depend on it.

When git's history no longer matches the stored one (commits rewritten away, a shallow clone
deepened), every derived figure may be wrong: generations, the boundary commit's diff, SZZ links,
rework, releases, line operations. Rather than patch each, the ingest drops the commit-derived rows
and mines the current history again. Kept: the repository row and its remembered delivery and
AI settings, imported issues, and blob scores (content-addressed, so re-mining scores nothing twice).
Label judgements name commits by id, so they go with them: `qroi labels calibrate` stores the same
judgement file again after the re-mine (commits that survived the rewrite keep their sha).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import col

from qroi.store import models

DERIVED: tuple[Any, ...] = (
    models.IssueRef,
    models.BugLink,
    models.ReworkLink,
    models.CommitFeatures,
    models.CommitLineOps,
    models.AiDeclaration,
    models.TreeDuplication,
    models.Release,
    models.Tag,
    models.HeadFile,
    models.MergeChange,
    models.Change,
    models.Headline,
    models.LabelJudgement,
    models.Commit,
)
"""Every table whose rows come from the mined history, children before the commits they name."""


def drop_history(conn: Any, repo_id: int) -> int:
    """Delete the repository's commit-derived rows inside the caller's transaction; commits dropped."""
    dropped = conn.execute(
        select(func.count()).select_from(models.Commit).where(col(models.Commit.repo_id) == repo_id)
    ).scalar_one()
    for table in DERIVED:
        conn.execute(delete(table).where(col(table.repo_id) == repo_id))
    return int(dropped)
