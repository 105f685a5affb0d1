"""The AI-era lens: line operations and churn per commit, declared AI assistance, duplicated-block
share of the tree per month and release, and the settings they were computed with.

Stores upgraded from 0003 get all of them computed for their stored commits on the next ingest.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_state",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("settings", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("repo_id"),
    )
    op.create_table(
        "ai_declarations",
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tool", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("matches", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("commit_id"),
    )
    op.create_index("ix_ai_declarations_repo", "ai_declarations", ["repo_id"], unique=False)
    op.create_table(
        "commit_lineops",
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("copy_pasted", sa.Integer(), nullable=False),
        sa.Column("trivial_added", sa.Integer(), nullable=False),
        sa.Column("trivial_deleted", sa.Integer(), nullable=False),
        sa.Column("operations", sa.Integer(), nullable=False),
        sa.Column("duplicated_block", sa.Boolean(), nullable=False),
        sa.Column("churned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("commit_id"),
    )
    op.create_index("ix_commit_lineops_repo", "commit_lineops", ["repo_id"], unique=False)
    op.create_table(
        "tree_duplication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("python_files", sa.Integer(), nullable=False),
        sa.Column("python_lines", sa.Integer(), nullable=False),
        sa.Column("duplicated_lines", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("block_size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "kind", "at", name="uq_tree_duplication"),
    )


def downgrade() -> None:
    op.drop_table("tree_duplication")
    op.drop_index("ix_commit_lineops_repo", table_name="commit_lineops")
    op.drop_table("commit_lineops")
    op.drop_index("ix_ai_declarations_repo", table_name="ai_declarations")
    op.drop_table("ai_declarations")
    op.drop_table("ai_state")
