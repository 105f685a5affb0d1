"""Stored identities kept equal to what the repository's `.mailmap` says now.

A `.mailmap` committed after some commits were stored renames their authors too; a fresh ingest
would store the new names, so an incremental one re-resolves the stored rows (one `git log`, rows
updated only where they differ).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from qroi.git import mailmap
from qroi.store import models
from qroi.store.database import transaction, update_rows

IDENTITY_COLUMNS = ("author_name", "author_email", "committer_name", "committer_email")
"""The `commits` columns a .mailmap rewrites, in the order `mailmap.identities` gives them."""


def reresolve(engine: Engine, git_dir: str, repo_id: int, rev: str, enabled: bool) -> int:
    """Re-resolve the identities of stored commits reachable from `rev`; returns rows changed."""
    wanted = mailmap.identities(git_dir, rev, enabled)
    c = models.Commit.__table__.c
    changed = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.id, c.sha, *(c[name] for name in IDENTITY_COLUMNS)).where(c.repo_id == repo_id)
        )
        for cid, sha, *stored in rows:
            new = wanted.get(sha)
            if new is not None and new != tuple(stored):
                changed.append(dict(zip(("id", *IDENTITY_COLUMNS), (cid, *new), strict=True)))
    if changed:
        with transaction(engine) as conn:
            update_rows(conn, models.Commit.__table__, "id", changed, IDENTITY_COLUMNS)
    return len(changed)
