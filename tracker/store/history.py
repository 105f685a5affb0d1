"""A repository's stored history, loaded once for the post-ingest delivery signals.

Kamei features, releases and rework all walk the commits in the store's canonical topological
order (generation, committed_ts, sha: the order `commits` documents) and look at each commit's
changes. Loading both once, as small slotted records, costs one query each and lets every step
run from the store alone, without asking git again for what the ingest already wrote down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from qroi.store import models


@dataclass(slots=True)
class StoredChange:
    """A `changes` row: one file of a non-merge commit."""

    path: str
    old_path: str | None
    change_type: str
    added: int | None
    deleted: int | None
    old_blob: str | None
    new_blob: str | None
    is_python: bool


@dataclass(slots=True)
class StoredCommit:
    """A `commits` row with what the delivery signals need; `index` is its canonical position."""

    id: int
    sha: str
    parents: tuple[str, ...]
    authored_ts: int
    committed_ts: int
    author: str
    is_merge: bool
    is_bugfix: bool
    is_revert: bool
    reverted_sha: str | None
    index: int = 0
    changes: list[StoredChange] = field(default_factory=list)


class StoredHistory:
    """All commits of one repository in canonical order, with their changes."""

    def __init__(self, commits: list[StoredCommit]) -> None:
        self.commits = commits
        self.by_id = {c.id: c for c in commits}
        self.by_sha = {c.sha: c for c in commits}

    @classmethod
    def load(cls, engine: Engine, repo_id: int) -> StoredHistory:
        c, ch = models.Commit, models.Change
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    c.id,
                    c.sha,
                    c.parents,
                    c.authored_ts,
                    c.committed_ts,
                    c.author_email,
                    c.is_merge,
                    c.is_bugfix,
                    c.is_revert,
                    c.reverted_sha,
                )
                .where(c.repo_id == repo_id)
                .order_by(c.generation, c.committed_ts, c.sha)
            ).all()
            commits = [
                StoredCommit(
                    cid,
                    sha,
                    tuple(parents.split()),
                    a_ts,
                    c_ts,
                    author,
                    bool(merge),
                    bool(fix),
                    bool(revert),
                    reverted,
                    index,
                )
                for index, (cid, sha, parents, a_ts, c_ts, author, merge, fix, revert, reverted) in enumerate(
                    rows
                )
            ]
            history = cls(commits)
            changes = conn.execute(
                select(
                    ch.commit_id,
                    ch.path,
                    ch.old_path,
                    ch.change_type,
                    ch.added,
                    ch.deleted,
                    ch.old_blob,
                    ch.new_blob,
                    ch.is_python,
                )
                .where(ch.repo_id == repo_id)
                .order_by(ch.id)
            )
            for commit_id, *values in changes:
                history.by_id[commit_id].changes.append(StoredChange(*values))
        return history
