"""A store's contents for one repository, independent of surrogate ids and wall-clock fields.

Two ingests that should be equivalent (resumed vs clean, incremental vs from scratch) are compared
through this: every row of every table, with commit ids replaced by shas and timings dropped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from qroi.store import models

TIMING = {"score_seconds"}


def _rows(conn: Any, stmt: Any, drop: set[str]) -> list[tuple[Any, ...]]:
    result = conn.execute(stmt).mappings().all()
    rows = [tuple((k, v) for k, v in row.items() if k not in drop) for row in result]
    return sorted(rows, key=repr)


def dump(engine: Engine, repo: str) -> dict[str, list[tuple[Any, ...]]]:
    c, ch, ir = models.Commit, models.Change, models.IssueRef
    with engine.connect() as conn:
        rid = conn.execute(select(models.Repo.id).where(models.Repo.name == repo)).scalar_one()
        commit_cols = [col for col in c.__table__.c if col.name not in ("id", "repo_id")]
        change_cols = [col for col in ch.__table__.c if col.name not in ("id", "repo_id", "commit_id")]
        blobs_of_repo = select(ch.new_blob).where(ch.repo_id == rid).distinct()
        return {
            "repo": _rows(
                conn,
                select(models.Repo.name, models.Repo.source, models.Repo.head_sha).where(
                    models.Repo.id == rid
                ),
                set(),
            ),
            "commits": _rows(conn, select(*commit_cols).where(c.repo_id == rid), set()),
            "changes": _rows(
                conn,
                select(c.sha, *change_cols).join(c, c.id == ch.commit_id).where(ch.repo_id == rid),
                set(),
            ),
            "merge_changes": _rows(
                conn,
                select(
                    c.sha,
                    *[
                        col
                        for col in models.MergeChange.__table__.c
                        if col.name not in ("id", "repo_id", "commit_id")
                    ],
                )
                .join(c, c.id == models.MergeChange.commit_id)
                .where(models.MergeChange.repo_id == rid),
                set(),
            ),
            "issue_refs": _rows(
                conn,
                select(c.sha, ir.ref, ir.action).join(c, c.id == ir.commit_id).where(ir.repo_id == rid),
                set(),
            ),
            "blobs": _rows(conn, select(models.Blob).where(models.Blob.blob.in_(blobs_of_repo)), TIMING),
            "functions": _rows(
                conn, select(models.Function).where(models.Function.blob.in_(blobs_of_repo)), {"id"}
            ),
            "tags": _rows(conn, select(models.Tag).where(models.Tag.repo_id == rid), {"id", "repo_id"}),
            "head_files": _rows(
                conn, select(models.HeadFile).where(models.HeadFile.repo_id == rid), {"id", "repo_id"}
            ),
            **_delivery(conn, rid),
            **_ai_era(conn, rid),
        }


def _delivery(conn: Any, rid: int) -> dict[str, list[tuple[Any, ...]]]:
    """The delivery signals (qroi.delivery.delivery_step), commit ids replaced by shas."""
    c, f, bl, rl = models.Commit, models.CommitFeatures, models.BugLink, models.ReworkLink
    other = c.__table__.alias("other")
    feature_cols = [col for col in f.__table__.c if col.name not in ("commit_id", "repo_id")]
    return {
        "commit_features": _rows(
            conn, select(c.sha, *feature_cols).join(c, c.id == f.commit_id).where(f.repo_id == rid), set()
        ),
        "bug_links": _rows(
            conn,
            select(c.sha, other.c.sha.label("inducing"), bl.path, bl.lines)
            .join(c, c.id == bl.fix_commit_id)
            .join(other, other.c.id == bl.inducing_commit_id)
            .where(bl.repo_id == rid),
            set(),
        ),
        "rework_links": _rows(
            conn,
            select(c.sha, other.c.sha.label("origin"), rl.path, rl.lines)
            .join(c, c.id == rl.commit_id)
            .join(other, other.c.id == rl.origin_commit_id)
            .where(rl.repo_id == rid),
            set(),
        ),
        "releases": _rows(
            conn, select(models.Release).where(models.Release.repo_id == rid), {"id", "repo_id"}
        ),
        "delivery_state": _rows(
            conn, select(models.DeliveryState.settings).where(models.DeliveryState.repo_id == rid), set()
        ),
    }


def _ai_era(conn: Any, rid: int) -> dict[str, list[tuple[Any, ...]]]:
    """The AI-era tables (qroi.ai.ai_step), commit ids replaced by shas."""
    c, lo, d, t = models.Commit, models.CommitLineOps, models.AiDeclaration, models.TreeDuplication

    def by_sha(table: Any) -> list[Any]:
        return [col for col in table.__table__.c if col.name not in ("id", "commit_id", "repo_id")]

    return {
        "commit_lineops": _rows(
            conn, select(c.sha, *by_sha(lo)).join(c, c.id == lo.commit_id).where(lo.repo_id == rid), set()
        ),
        "ai_declarations": _rows(
            conn, select(c.sha, *by_sha(d)).join(c, c.id == d.commit_id).where(d.repo_id == rid), set()
        ),
        "tree_duplication": _rows(
            conn, select(c.sha, *by_sha(t)).join(c, c.id == t.commit_id).where(t.repo_id == rid), set()
        ),
        "ai_state": _rows(conn, select(models.AiState.settings).where(models.AiState.repo_id == rid), set()),
    }
