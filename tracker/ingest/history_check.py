"""Has git's history moved away from the stored one since the last ingest?

Two ways it does, both seen on real repositories: the history was rewritten (a reset, a rebase, a
force-push fetched into the cache), so stored commits are no longer reachable from the branch and
would keep counting in every analysis; or a shallow clone was deepened (`git fetch --unshallow`), so
a stored root now has parents, its stored diff (everything added at once) is wrong, and the walk
that excludes stored commits would never reach the older history. Either way the ingest forgets
the stored history (`qroi.store.rewind`) and mines the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.git.repository import GitRepo
from qroi.store import models


@dataclass(frozen=True)
class HistoryChange:
    """Stored commits git's branch no longer reaches, and stored roots that gained parents."""

    unreachable: int = 0
    deepened: int = 0

    def __bool__(self) -> bool:
        return bool(self.unreachable or self.deepened)

    def describe(self) -> str:
        parts = []
        if self.unreachable:
            parts.append(f"{self.unreachable:,} stored commits are no longer in the branch's history")
        if self.deepened:
            parts.append(f"{self.deepened:,} stored root commits gained parents (the clone was deepened)")
        return "; ".join(parts)


def check(engine: Engine, git: GitRepo, repo_id: int, head: str) -> HistoryChange:
    """Compare the stored commits with what `head` reaches now; one rev-list and one lookup."""
    c = models.Commit
    with engine.connect() as conn:
        rows = conn.execute(select(col(c.sha), col(c.parents)).where(col(c.repo_id) == repo_id)).all()
    if not rows:
        return HistoryChange()
    reachable = git.reachable(head)
    roots = [sha for sha, parents in rows if not parents and sha in reachable]
    return HistoryChange(
        unreachable=sum(1 for sha, _ in rows if sha not in reachable),
        deepened=sum(1 for parents in git.parents(roots).values() if parents),
    )
