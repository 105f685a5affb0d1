"""The claim test's cached headline verdict per repository (the dashboard's first screen).

Stores upgraded from an earlier revision get it computed by their next `qroi ingest`; until then
the dashboard computes it when first asked.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "headlines",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("computed_ts", sa.Integer(), nullable=False),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.Column("head_sha", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("repo_id"),
    )


def downgrade() -> None:
    op.drop_table("headlines")
