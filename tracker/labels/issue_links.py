"""Which commits are bug fixes: flagged by their message, or linked to an imported bug issue.

Issues are linked to commits by the references the miner already stores (`issue_refs.ref`, e.g.
`#12`, `PROJ-7`) equal to an issue's normalised key; any reference counts (Jira teams put the key
in every commit of an issue without a closing keyword). The link is a join, never a stored copy,
so importing issues before or after the commits gives the same links.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, select

from qroi.store import models


def linked_commits(kind: str | None = None):
    """SELECT issue_id, commit_id of every link (only issues of `kind` when given)."""
    i, r = models.Issue, models.IssueRef
    stmt = select(i.id.label("issue_id"), r.commit_id).join(r, and_(r.repo_id == i.repo_id, r.ref == i.key))
    return stmt.where(i.kind == kind) if kind else stmt


def fix_commit_ids(conn: Connection, repo_id: int) -> set[int]:
    """Non-merge commits flagged as bug fixes or linked to an issue of kind 'bug'."""
    c = models.Commit
    bug_linked = linked_commits("bug").where(models.Issue.repo_id == repo_id).subquery()
    rows = conn.execute(
        select(c.id).where(
            c.repo_id == repo_id, ~c.is_merge, or_(c.is_bugfix, c.id.in_(select(bug_linked.c.commit_id)))
        )
    )
    return set(rows.scalars())
