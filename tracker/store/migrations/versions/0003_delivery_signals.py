"""Delivery signals: commit features (Kamei, DMM, lead time, reverts, rework), releases, imported
issues, SZZ bug links, rework links, and the settings they were computed with.

Stores upgraded from 0002 get every signal computed for their stored commits on the next ingest.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_state",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("settings", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("repo_id"),
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issue_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("labels", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_ts", sa.Integer(), nullable=False),
        sa.Column("created_tz", sa.Integer(), nullable=False),
        sa.Column("closed_ts", sa.Integer(), nullable=True),
        sa.Column("closed_tz", sa.Integer(), nullable=True),
        sa.Column("source_format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "key", name="uq_issue_repo_key"),
    )
    op.create_index("ix_issues_repo_created", "issues", ["repo_id", "created_ts"], unique=False)
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("released_ts", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("is_patch", sa.Boolean(), nullable=False),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.Column("previous_tag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("change_failure", sa.Boolean(), nullable=False),
        sa.Column("patched_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reverted_commits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "tag", name="uq_release_repo_tag"),
    )
    op.create_index("ix_releases_repo_time", "releases", ["repo_id", "released_ts"], unique=False)
    op.create_table(
        "bug_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("fix_commit_id", sa.Integer(), nullable=False),
        sa.Column("inducing_commit_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fix_commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inducing_commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bug_links_fix", "bug_links", ["fix_commit_id"], unique=False)
    op.create_index("ix_bug_links_inducing", "bug_links", ["inducing_commit_id"], unique=False)
    op.create_index("ix_bug_links_repo_path", "bug_links", ["repo_id", "path"], unique=False)
    op.create_table(
        "commit_features",
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("ns", sa.Integer(), nullable=True),
        sa.Column("nd", sa.Integer(), nullable=True),
        sa.Column("nf", sa.Integer(), nullable=True),
        sa.Column("entropy", sa.Float(), nullable=True),
        sa.Column("la", sa.Integer(), nullable=True),
        sa.Column("ld", sa.Integer(), nullable=True),
        sa.Column("lt", sa.Integer(), nullable=True),
        sa.Column("ndev", sa.Integer(), nullable=True),
        sa.Column("age_days", sa.Float(), nullable=True),
        sa.Column("nuc", sa.Integer(), nullable=True),
        sa.Column("exp", sa.Integer(), nullable=True),
        sa.Column("rexp", sa.Float(), nullable=True),
        sa.Column("sexp", sa.Integer(), nullable=True),
        sa.Column("cc_delta", sa.Integer(), nullable=True),
        sa.Column("dmm_done", sa.Boolean(), nullable=False),
        sa.Column("dmm_unit_size", sa.Float(), nullable=True),
        sa.Column("dmm_unit_complexity", sa.Float(), nullable=True),
        sa.Column("dmm_unit_interfacing", sa.Float(), nullable=True),
        sa.Column("szz_done", sa.Boolean(), nullable=False),
        sa.Column("rework_lines", sa.Integer(), nullable=True),
        sa.Column("first_release", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("released_ts", sa.Integer(), nullable=True),
        sa.Column("lead_time_s", sa.Integer(), nullable=True),
        sa.Column("reverted_later", sa.Boolean(), nullable=False),
        sa.Column("time_to_revert_s", sa.Integer(), nullable=True),
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
    op.create_index("ix_commit_features_repo", "commit_features", ["repo_id"], unique=False)
    op.create_table(
        "rework_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("origin_commit_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["origin_commit_id"],
            ["commits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rework_links_commit", "rework_links", ["commit_id"], unique=False)
    op.create_index("ix_rework_links_origin", "rework_links", ["origin_commit_id"], unique=False)
    op.create_index("ix_rework_links_repo_path", "rework_links", ["repo_id", "path"], unique=False)


def downgrade() -> None:
    op.drop_table("rework_links")
    op.drop_table("commit_features")
    op.drop_table("bug_links")
    op.drop_table("releases")
    op.drop_table("issues")
    op.drop_table("delivery_state")
