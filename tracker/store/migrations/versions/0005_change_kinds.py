"""Change kinds: every commit's kind and the rule that decided it, and people's judgements of them.

Stores upgraded from 0004 have no kinds yet (NULL): the delivery step of the next ingest
classifies every stored commit once, and sets `is_bugfix` to `kind == "fix"`.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commits") as batch:
        batch.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("kind_rule", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "label_judgements",
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("labelled", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("judged", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stratum_size", sa.Integer(), nullable=False),
        sa.Column("judged_ts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commit_id"], ["commits.id"]),
        sa.ForeignKeyConstraint(["repo_id"], ["repos.id"]),
        sa.PrimaryKeyConstraint("commit_id"),
    )
    op.create_index("ix_label_judgements_repo", "label_judgements", ["repo_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_label_judgements_repo", table_name="label_judgements")
    op.drop_table("label_judgements")
    with op.batch_alter_table("commits") as batch:
        batch.drop_column("kind_rule")
        batch.drop_column("kind")
