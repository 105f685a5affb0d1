"""The store's tables, as SQLModel classes.

Kept in a module of their own (never in the Streamlit script, whose reruns would redefine them).
Times are stored as Unix seconds plus the UTC offset in minutes, exactly as git records them, so
an export can print the original local time with its offset and windows are cheap integer ranges.

Blobs are keyed by their git blob id and shared by every repository in the store: a blob's scores
depend only on its bytes, so the same file content in two repositories is scored once.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Repo(SQLModel, table=True):
    """One mined repository. `source` never carries credentials."""

    __tablename__ = "repos"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    source: str
    branch: str | None = None
    head_sha: str | None = None
    last_ingest_ts: int | None = None
    last_ingest_seconds: float | None = None
    role_overrides: str | None = None
    """The `[tool.qroi]` table of `pyproject.toml` at the ingested HEAD (`qroi.core.roles.Overrides`
    as JSON; NULL: none, or not ingested since qroi read it). Applied when read, see `qroi.read.file_roles`."""


class Commit(SQLModel, table=True):
    """A commit, with its repository-level Python quality after it (the `py_*` columns).

    `generation` is 1 + the largest generation of its parents (roots are 1); ordering by
    (generation, committed_ts, sha) is a topological order that does not depend on how the
    history was walked, so a resumed ingest stores exactly what a clean one does.
    Merge commits carry no churn: their insertions/deletions/files_changed are 0 and they have no
    `changes` rows, because every line they bring in is counted in the commit that wrote it.
    """

    __tablename__ = "commits"
    __table_args__ = (
        UniqueConstraint("repo_id", "sha", name="uq_commit_repo_sha"),
        Index("ix_commits_repo_time", "repo_id", "committed_ts"),
        Index("ix_commits_repo_gen", "repo_id", "generation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    sha: str
    parents: str = ""
    generation: int
    author_name: str
    author_email: str
    authored_ts: int
    author_tz: int
    committer_name: str
    committer_email: str
    committed_ts: int
    committer_tz: int
    message: str
    is_merge: bool = False
    insertions: int = 0
    deletions: int = 0
    files_changed: int = 0
    is_bugfix: bool = False
    """Exactly `kind == "fix"` (`qroi.labels.kinds`), kept as a column for the queries that count fixes."""
    kind: str | None = None
    """fix, feature, refactor, docs, style, test, build, deps, release, revert or merge; None until
    the delivery step of an ingest has classified the commit."""
    kind_rule: str | None = None
    is_revert: bool = False
    reverted_sha: str | None = None
    issue_refs: str = ""
    py_files: int = 0
    py_unscored: int = 0
    py_sloc: int = 0
    py_cc_total: int = 0
    py_functions: int = 0
    py_c_or_worse: int = 0
    py_mi: float | None = None
    header_flags: str | None = None
    """What was odd in the commit's header as git wrote it, with the raw values, `; `-separated
    (`qroi.git.headers`): an impossible offset, a date git cannot read or outside 1970-2100, an
    empty name, an identity that is not UTF-8. NULL: a normal header (or stored before qroi checked)."""


class Change(SQLModel, table=True):
    """One file changed by a non-merge commit, as `git log --raw --numstat -M` reports it.

    `added`/`deleted` are NULL for binary files (git prints '-').
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_commit", "commit_id"),
        Index("ix_changes_repo_path", "repo_id", "path"),
        Index("ix_changes_new_blob", "new_blob"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    commit_id: int = Field(foreign_key="commits.id")
    path: str
    old_path: str | None = None
    change_type: str
    added: int | None = None
    deleted: int | None = None
    old_blob: str | None = None
    new_blob: str | None = None
    is_python: bool = False


class MergeChange(SQLModel, table=True):
    """One entry of a merge commit's diff against its first parent.

    Not churn (see `Commit`): kept so that the tree at any commit of the main line can be
    rebuilt from the store alone (the claim test's snapshots, a file's history), without git.
    """

    __tablename__ = "merge_changes"
    __table_args__ = (Index("ix_merge_changes_commit", "commit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    commit_id: int = Field(foreign_key="commits.id")
    path: str
    old_path: str | None = None
    change_type: str
    old_blob: str | None = None
    new_blob: str | None = None
    is_python: bool = False


class Blob(SQLModel, table=True):
    """Radon's scores for one Python blob, or the reason it could not be scored.

    A blob that failed has `error_kind`/`error` set and every metric NULL: a failure is never a
    zero score. `translated` marks Python 2 sources scored after a lib2to3-style translation.
    """

    __tablename__ = "blobs"

    blob: str = Field(primary_key=True)
    size_bytes: int
    error_kind: str | None = None
    error: str | None = None
    translated: bool = False
    score_seconds: float = 0.0
    loc: int | None = None
    lloc: int | None = None
    sloc: int | None = None
    comments: int | None = None
    multi: int | None = None
    blank: int | None = None
    single_comments: int | None = None
    cc_total: int | None = None
    cc_max: int | None = None
    cc_mean: float | None = None
    functions: int | None = None
    c_or_worse: int | None = None
    mi: float | None = None
    mi_rank: str | None = None
    h_volume: float | None = None
    h_difficulty: float | None = None
    h_effort: float | None = None
    h_bugs: float | None = None


class Function(SQLModel, table=True):
    """A function or method of a scored blob, as Radon's complexity visitor reports it."""

    __tablename__ = "functions"
    __table_args__ = (Index("ix_functions_blob", "blob"),)

    id: int | None = Field(default=None, primary_key=True)
    blob: str = Field(foreign_key="blobs.blob")
    name: str
    class_name: str | None = None
    lineno: int
    endline: int | None = None
    complexity: int
    rank: str


class IssueRef(SQLModel, table=True):
    """An issue reference found in a commit message; `action` is 'closes' or 'mentions'."""

    __tablename__ = "issue_refs"
    __table_args__ = (
        Index("ix_issue_refs_commit", "commit_id"),
        Index("ix_issue_refs_repo_ref", "repo_id", "ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    commit_id: int = Field(foreign_key="commits.id")
    ref: str
    action: str


class Tag(SQLModel, table=True):
    """A tag and the commit it points to (annotated tags are peeled)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("repo_id", "name", name="uq_tag_repo_name"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    name: str
    sha: str
    tagged_ts: int
    annotated: bool = False


class HeadFile(SQLModel, table=True):
    """A Python file in the tree at the repository's ingested HEAD."""

    __tablename__ = "head_files"
    __table_args__ = (UniqueConstraint("repo_id", "path", name="uq_head_file"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    path: str
    blob: str


class CommitFeatures(SQLModel, table=True):
    """Delivery signals of one commit, computed by the post-ingest step (`qroi.delivery.delivery_step`).

    A table of its own, one row per commit, so that adding these signals never rewrites `commits`
    and a store written by an older qroi gains them on its next ingest. Kamei et al. (2013)
    just-in-time features, DMM and `cc_delta` are NULL for merges (they carry no churn). Markers
    (`szz_done`, `dmm_done`, `rework_lines` not NULL) say which signals have been computed, so an
    interrupted run resumes where it stopped. Times are seconds.
    """

    __tablename__ = "commit_features"
    __table_args__ = (Index("ix_commit_features_repo", "repo_id"),)

    commit_id: int = Field(primary_key=True, foreign_key="commits.id")
    repo_id: int = Field(foreign_key="repos.id")
    ns: int | None = None
    nd: int | None = None
    nf: int | None = None
    entropy: float | None = None
    la: int | None = None
    ld: int | None = None
    lt: int | None = None
    ndev: int | None = None
    age_days: float | None = None
    nuc: int | None = None
    exp: int | None = None
    rexp: float | None = None
    sexp: int | None = None
    cc_delta: int | None = None
    dmm_done: bool = False
    dmm_unit_size: float | None = None
    dmm_unit_complexity: float | None = None
    dmm_unit_interfacing: float | None = None
    szz_done: bool = False
    rework_lines: int | None = None
    first_release: str | None = None
    released_ts: int | None = None
    lead_time_s: int | None = None
    reverted_later: bool = False
    time_to_revert_s: int | None = None


class Release(SQLModel, table=True):
    """A tag taken as a release, with its change-failure verdict; rebuilt at every ingest."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("repo_id", "tag", name="uq_release_repo_tag"),
        Index("ix_releases_repo_time", "repo_id", "released_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    tag: str
    sha: str
    released_ts: int
    version: str | None = None
    is_patch: bool = False
    commits: int = 0
    previous_tag: str | None = None
    change_failure: bool = False
    patched_by: str | None = None
    reverted_commits: int = 0


class Issue(SQLModel, table=True):
    """An issue imported from a tracker export; `key` is normalised like `issue_refs.ref`."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("repo_id", "key", name="uq_issue_repo_key"),
        Index("ix_issues_repo_created", "repo_id", "created_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    key: str
    title: str = ""
    issue_type: str | None = None
    state: str | None = None
    labels: str = ""
    kind: str
    created_ts: int
    created_tz: int = 0
    closed_ts: int | None = None
    closed_tz: int | None = None
    source_format: str


class BugLink(SQLModel, table=True):
    """SZZ: lines a fix deleted or changed were last touched by `inducing_commit_id` in `path`."""

    __tablename__ = "bug_links"
    __table_args__ = (
        Index("ix_bug_links_fix", "fix_commit_id"),
        Index("ix_bug_links_inducing", "inducing_commit_id"),
        Index("ix_bug_links_repo_path", "repo_id", "path"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    fix_commit_id: int = Field(foreign_key="commits.id")
    inducing_commit_id: int = Field(foreign_key="commits.id")
    path: str
    lines: int


class ReworkLink(SQLModel, table=True):
    """Rework: `commit_id` deleted `lines` lines of `path` that `origin_commit_id` had added recently."""

    __tablename__ = "rework_links"
    __table_args__ = (
        Index("ix_rework_links_commit", "commit_id"),
        Index("ix_rework_links_origin", "origin_commit_id"),
        Index("ix_rework_links_repo_path", "repo_id", "path"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    commit_id: int = Field(foreign_key="commits.id")
    origin_commit_id: int = Field(foreign_key="commits.id")
    path: str
    lines: int


class LabelJudgement(SQLModel, table=True):
    """A person's judgement of one commit's kind (`qroi labels calibrate`): the measured precision and
    recall of the fix label rest on these. The kind and stratum size at sampling time are kept,
    because the stored kind may change with the rules after the judgement."""

    __tablename__ = "label_judgements"
    __table_args__ = (Index("ix_label_judgements_repo", "repo_id"),)

    commit_id: int = Field(primary_key=True, foreign_key="commits.id")
    repo_id: int = Field(foreign_key="repos.id")
    labelled: str
    judged: str
    stratum_size: int
    judged_ts: int


class DeliveryState(SQLModel, table=True):
    """The delivery settings a repository's signals were computed with (JSON), to detect changes."""

    __tablename__ = "delivery_state"

    repo_id: int = Field(primary_key=True, foreign_key="repos.id")
    settings: str


class CommitLineOps(SQLModel, table=True):
    """Line operations of one non-merge commit (`qroi.ai.lineops`), and how much of it churned.

    Every changed line of a text file has one class: `added + updated + moved + copy_pasted +
    trivial_added` is git's count of added lines, `deleted + updated + moved + trivial_deleted`
    of deleted ones (a moved line is counted once, where it arrives; it also left one line).
    `churned` counts the lines this commit wrote that later commits deleted or changed within the
    churn window (`qroi.ai.ai_step`); it grows as later commits are ingested, and queries show it
    only once the window has passed. Merges have no row: their lines were written elsewhere.
    """

    __tablename__ = "commit_lineops"
    __table_args__ = (Index("ix_commit_lineops_repo", "repo_id"),)

    commit_id: int = Field(primary_key=True, foreign_key="commits.id")
    repo_id: int = Field(foreign_key="repos.id")
    added: int = 0
    deleted: int = 0
    updated: int = 0
    moved: int = 0
    copy_pasted: int = 0
    trivial_added: int = 0
    trivial_deleted: int = 0
    operations: int = 0
    duplicated_block: bool = False
    churned: int = 0


class AiDeclaration(SQLModel, table=True):
    """What a commit declares (`qroi.ai.declared`): AI assistance, automation, or neither.

    `category` is "ai", "bot" or "human"; `rule` and `tool` are the first matching rule's;
    `matches` is a JSON list of every rule that matched with the text it matched.
    """

    __tablename__ = "ai_declarations"
    __table_args__ = (Index("ix_ai_declarations_repo", "repo_id"),)

    commit_id: int = Field(primary_key=True, foreign_key="commits.id")
    repo_id: int = Field(foreign_key="repos.id")
    flagged: bool = False
    automated: bool = False
    category: str
    rule: str | None = None
    tool: str | None = None
    matches: str = "[]"


class TreeDuplication(SQLModel, table=True):
    """Duplicated-block share of the Python files of one tree (`qroi.ai.duplication`).

    One row per month (`kind` "month", `at` YYYY-MM: the last mainline commit committed in that
    UTC month) and per release (`kind` "release", `at` the tag); `block_size` is the window of
    keyed lines a duplicated block needs (the line-operation `min_copy`).
    """

    __tablename__ = "tree_duplication"
    __table_args__ = (UniqueConstraint("repo_id", "kind", "at", name="uq_tree_duplication"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repos.id")
    commit_id: int = Field(foreign_key="commits.id")
    kind: str
    at: str
    python_files: int = 0
    python_lines: int = 0
    duplicated_lines: int = 0
    share: float | None = None
    block_size: int


class AiState(SQLModel, table=True):
    """The AI-era settings a repository's line operations, churn and declarations were computed
    with (JSON: thresholds, churn window, the user's rule file), to detect changes."""

    __tablename__ = "ai_state"

    repo_id: int = Field(primary_key=True, foreign_key="repos.id")
    settings: str


class Headline(SQLModel, table=True):
    """The claim test's headline verdict for one repository, computed once (at the end of `qroi
    ingest`) so the dashboard's first screen answers at once. `commits` and `head_sha` are the
    store's content it was computed on: once the repository gains commits, it is stale.
    `result` is the JSON of `qroi.analysis.headline.Headline`."""

    __tablename__ = "headlines"

    repo_id: int = Field(primary_key=True, foreign_key="repos.id")
    computed_ts: int
    commits: int
    head_sha: str | None = None
    result: str
