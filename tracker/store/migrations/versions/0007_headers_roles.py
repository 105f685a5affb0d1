"""Odd commit headers are flagged with their raw values; a repository's `[tool.qroi]` role overrides.

Both columns are NULL in a store upgraded from 0006: commits stored before keep the dates they
were stored with (unflagged), and the next `qroi ingest` stores the overrides from HEAD.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commits") as batch:
        batch.add_column(sa.Column("header_flags", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("repos") as batch:
        batch.add_column(sa.Column("role_overrides", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("repos") as batch:
        batch.drop_column("role_overrides")
    with op.batch_alter_table("commits") as batch:
        batch.drop_column("header_flags")
