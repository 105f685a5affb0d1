"""Merges' diffs against their first parent, so the main line's trees can be rebuilt from the store.

Stores upgraded from 0001 have no rows for merges ingested before; the next `qroi ingest`
backfills them from git (see qroi.ingest.pipeline).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("change_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_blob", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_blob", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("is_python", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_merge_changes_commit", "merge_changes", ["commit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("merge_changes")
