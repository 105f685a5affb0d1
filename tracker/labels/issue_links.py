"""Which commits are bug fixes (kind 'fix'), and which are linked to an imported bug issue.

Issues are linked to commits by the references the miner already stores (`issue_refs.ref`, e.g.
`#12`, `PROJ-7`) equal to an issue's normalised key; any reference counts (Jira teams put the key
in every commit of an issue without a closing keyword). The link is a join, never a stored copy,
so importing issues before or after the commits gives the same links.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, select
from sqlmodel import col

from qroi.core import roles
from qroi.store import models


def linked_commits(kind: str | None = None):
    """SELECT issue_id, commit_id of every link (only issues of `kind` when given)."""
    i, r = models.Issue, models.IssueRef
    stmt = select(i.id.label("issue_id"), r.commit_id).join(r, and_(r.repo_id == i.repo_id, r.ref == i.key))
    return stmt.where(i.kind == kind) if kind else stmt


def bug_issue_of(conn: Connection, repo_id: int) -> dict[int, str]:
    """Commit id -> the key of a bug issue linked to it (the smallest key when several are)."""
    i, r = models.Issue, models.IssueRef
    rows = conn.execute(
        select(col(r.commit_id), col(i.key))
        .join(r, and_(col(r.repo_id) == col(i.repo_id), col(r.ref) == col(i.key)))
        .where(col(i.repo_id) == repo_id, col(i.kind) == "bug")
        .order_by(col(i.key).desc())
    )
    return {commit_id: key for commit_id, key in rows}


def fix_commit_ids(conn: Connection, repo_id: int) -> set[int]:
    """The bug fixes: commits of kind 'fix' (`qroi.labels.kinds`; `is_bugfix` is exactly that)."""
    c = models.Commit
    return set(conn.execute(select(col(c.id)).where(col(c.repo_id) == repo_id, col(c.is_bugfix))).scalars())


def fixes_after_next_ingest(conn: Connection, repo_id: int) -> set[int]:
    """The fixes once the next ingest has classified the commits linked to bug issues since: a
    non-merge commit linked to a bug issue and touching a product file becomes one."""
    c, ch = models.Commit, models.Change
    bug = linked_commits("bug").where(models.Issue.repo_id == repo_id).subquery()
    paths = conn.execute(
        select(col(ch.commit_id), col(ch.path))
        .join(c, col(c.id) == col(ch.commit_id))
        .where(~col(c.is_merge), col(ch.commit_id).in_(select(bug.c.commit_id)))
    )
    touching = {cid for cid, path in paths if roles.role_of(path) == roles.PRODUCT}
    return fix_commit_ids(conn, repo_id) | touching
