"""The role of every path a reader shows, from one place (`qroi.core.roles.resolve`).

The shipped rules, corrected by the `[tool.qroi]` table the last ingest found in the repository's
`pyproject.toml` at HEAD (stored as `repos.role_overrides`) and by a command's
`--include`/`--exclude`. Roles are resolved when read, never stored per path: a store written
before overrides existed, or before the project changed its table, shows the new roles at once
(the table itself is refreshed by every ingest, incremental ones included).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.core import roles
from qroi.store import models
from qroi.store.database import repo_id


def project_overrides(engine: Engine, repo: str) -> roles.Overrides:
    """The `[tool.qroi]` globs stored by the repository's last ingest (none before one stored them)."""
    with engine.connect() as conn:
        text = conn.execute(
            select(col(models.Repo.role_overrides)).where(col(models.Repo.id) == repo_id(engine, repo))
        ).scalar()
    return roles.Overrides.from_json(text)


def rules(engine: Engine, repo: str, globs: roles.Overrides | None = None) -> tuple[roles.Role, ...]:
    """The ordered role rules for `repo` as a command with `globs` (--include/--exclude) sees them."""
    return roles.resolve(project_overrides(engine, repo), globs)


def role_column(
    engine: Engine, repo: str, paths: Iterable[str], globs: roles.Overrides | None = None
) -> list[str]:
    """The role of each path, in order (a frame's `role` column)."""
    resolved = rules(engine, repo, globs)
    return [roles.role_of(p, resolved) for p in paths]
