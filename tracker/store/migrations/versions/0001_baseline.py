"""The first store: repositories, commits with per-commit quality, changes, scored blobs and functions,
issue references, tags and the Python files at HEAD.

Revision ID: 0001
Revises: None
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("blob", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("error_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("translated", sa.Boolean(), nullable=False),
        sa.Column("score_seconds", sa.Float(), nullable=False),
        sa.Column("loc", sa.Integer(), nullable=True),
        sa.Column("lloc", sa.Integer(), nullable=True),
        sa.Column("sloc", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("multi", sa.Integer(), nullable=True),
        sa.Column("blank", sa.Integer(), nullable=True),
        sa.Column("single_comments", sa.Integer(), nullable=True),
        sa.Column("cc_total", sa.Integer(), nullable=True),
        sa.Column("cc_max", sa.Integer(), nullable=True),
        sa.Column("cc_mean", sa.Float(), nullable=True),
        sa.Column("functions", sa.Integer(), nullable=True),
        sa.Column("c_or_worse", sa.Integer(), nullable=True),
        sa.Column("mi", sa.Float(), nullable=True),
        sa.Column("mi_rank", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("h_volume", sa.Float(), nullable=True),
        sa.Column("h_difficulty", sa.Float(), nullable=True),
        sa.Column("h_effort", sa.Float(), nullable=True),
        sa.Column("h_bugs", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("blob"),
    )
    op.create_table(
        "repos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("branch", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("head_sha", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_ingest_ts", sa.Integer(), nullable=True),
        sa.Column("last_ingest_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_repos_name"), "repos", ["name"], unique=True)
    op.create_table(
        "commits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("sha", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("parents", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("author_email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("authored_ts", sa.Integer(), nullable=False),
        sa.Column("author_tz", sa.Integer(), nullable=False),
        sa.Column("committer_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committer_email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committed_ts", sa.Integer(), nullable=False),
        sa.Column("committer_tz", sa.Integer(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("is_merge", sa.Boolean(), nullable=False),
        sa.Column("insertions", sa.Integer(), nullable=False),
        sa.Column("deletions", sa.Integer(), nullable=False),
        sa.Column("files_changed", sa.Integer(), nullable=False),
        sa.Column("is_bugfix", sa.Boolean(), nullable=False),
        sa.Column("is_revert", sa.Boolean(), nullable=False),
        sa.Column("reverted_sha", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("issue_refs", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("py_files", sa.Integer(), nullable=False),
        sa.Column("py_unscored", sa.Integer(), nullable=False),
        sa.Column("py_sloc", sa.Integer(), nullable=False),
        sa.Column("py_cc_total", sa.Integer(), nullable=False),
        sa.Column("py_functions", sa.Integer(), nullable=False),
        sa.Column("py_c_or_worse", sa.Integer(), nullable=False),
        sa.Column("py_mi", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "sha", name="uq_commit_repo_sha"),
    )
    op.create_index("ix_commits_repo_gen", "commits", ["repo_id", "generation"], unique=False)
    op.create_index("ix_commits_repo_time", "commits", ["repo_id", "committed_ts"], unique=False)
    op.create_table(
        "functions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blob", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("class_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lineno", sa.Integer(), nullable=False),
        sa.Column("endline", sa.Integer(), nullable=True),
        sa.Column("complexity", sa.Integer(), nullable=False),
        sa.Column("rank", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob"],
            ["blobs.blob"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_functions_blob", "functions", ["blob"], unique=False)
    op.create_table(
        "head_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("blob", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "path", name="uq_head_file"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tagged_ts", sa.Integer(), nullable=False),
        sa.Column("annotated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "name", name="uq_tag_repo_name"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("change_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=True),
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
    op.create_index("ix_changes_commit", "changes", ["commit_id"], unique=False)
    op.create_index("ix_changes_new_blob", "changes", ["new_blob"], unique=False)
    op.create_index("ix_changes_repo_path", "changes", ["repo_id", "path"], unique=False)
    op.create_table(
        "issue_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
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
    op.create_index("ix_issue_refs_commit", "issue_refs", ["commit_id"], unique=False)
    op.create_index("ix_issue_refs_repo_ref", "issue_refs", ["repo_id", "ref"], unique=False)


def downgrade() -> None:
    op.drop_table("issue_refs")
    op.drop_table("changes")
    op.drop_table("tags")
    op.drop_table("head_files")
    op.drop_table("functions")
    op.drop_table("commits")
    op.drop_table("repos")
    op.drop_table("blobs")
