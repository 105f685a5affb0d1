"""The ingest pipeline: git history -> miner -> scorer -> quality sums -> store, in batches.

Batches overlap: while the workers score the blobs of batch k+1, the main process computes the
quality sums of batch k and writes it in one transaction. A batch's commits, changes, issue
references and the scores of the blobs it introduced are committed together, so a run killed at
any point leaves whole batches, and the next run resumes after the last one stored.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from qroi.ai import ai_step
from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.core.files import is_notebook_path, is_scored_path
from qroi.delivery import delivery_step
from qroi.git.log import CommitRecord, FileChange, iter_commits, iter_listed
from qroi.git.repository import GitRepo
from qroi.git.sources import Source, resolve
from qroi.ingest import history_check, post_steps
from qroi.ingest.tree_quality import Contribution, TreeQuality, scored_blobs
from qroi.labels import messages
from qroi.scoring.pool import ScoringPool
from qroi.scoring.scorer import DEFAULT_BUDGET_SECONDS, BlobScore
from qroi.store import models, rewind
from qroi.store.database import (
    chunks,
    describe_db_error,
    init_schema,
    insert_new,
    insert_returning_ids,
    insert_rows,
    repo_lock,
    transaction,
)

STATE_CACHE = 64


@dataclass
class IngestOptions:
    """Knobs of one ingest run (CLI flags map onto these)."""

    name: str | None = None
    branch: str | None = None
    workers: int | None = None
    budget: float | None = DEFAULT_BUDGET_SECONDS
    batch_size: int = 500
    cache_dir: Path | None = None
    delivery: delivery_step.DeliveryOptions = field(default_factory=delivery_step.DeliveryOptions)
    ai: ai_step.AiOptions = field(default_factory=ai_step.AiOptions)
    scheduler: str | None = None
    """A Dask scheduler address: the blobs are scored on its workers instead of local processes."""


@dataclass
class IngestResult:
    """What one run did: the one-line summary and the benchmark read these."""

    repo: str
    source: str
    head: str
    commits_added: int = 0
    commits_total: int = 0
    blobs_scored: int = 0
    blobs_failed: int = 0
    blobs_translated: int = 0
    python_blobs_total: int = 0
    python_blobs_unscored: int = 0
    seconds: float = 0.0
    delivery: delivery_step.DeliveryReport | None = None
    ai: ai_step.AiReport | None = None
    history_change: history_check.HistoryChange = field(default_factory=history_check.HistoryChange)
    history_dropped: int = 0
    post_steps_overlapped: bool = False
    post_steps_seconds: float = 0.0
    """Whether the AI-era walk ran beside the delivery step (`qroi.ingest.post_steps`)."""

    @property
    def unscored_share(self) -> float:
        return self.python_blobs_unscored / self.python_blobs_total if self.python_blobs_total else 0.0


class Progress:
    """What the pipeline reports as it goes; the CLI supplies a rich progress bar."""

    def start(self, total_commits: int) -> None: ...

    def advance(self, commits: int, blobs: int) -> None: ...


@dataclass
class _Batch:
    commits: list[CommitRecord]
    generations: dict[str, int]
    futures: list[Future[list[BlobScore]]]


class _Run:
    """One ingest of one repository; holds the running state between batches."""

    def __init__(
        self,
        engine: Engine,
        git: GitRepo,
        repo_id: int,
        options: IngestOptions,
        result: IngestResult,
        progress: Progress,
    ) -> None:
        self.engine = engine
        self.git = git
        self.repo_id = repo_id
        self.options = options
        self.result = result
        self.progress = progress
        self.contributions: dict[str, Contribution] = {}
        self.inflight: set[str] = set()
        self.states: OrderedDict[str, TreeQuality] = OrderedDict()
        self.generations: dict[str, int] = {}

    # -- reading what is stored -------------------------------------------------------------
    def load_stored(self) -> list[str]:
        """Generations of stored commits, and the stored tips to exclude from the walk."""
        parents_of_stored: set[str] = set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(models.Commit.sha, models.Commit.generation, models.Commit.parents).where(
                    models.Commit.repo_id == self.repo_id
                )
            )
            for sha, generation, parents in rows:
                self.generations[sha] = generation
                parents_of_stored.update(parents.split())
        return [sha for sha in self.generations if sha not in parents_of_stored]

    def _load_contributions(self, blobs: set[str]) -> None:
        missing = [b for b in blobs if b not in self.contributions]
        cols = [
            models.Blob.blob,
            models.Blob.error_kind,
            models.Blob.sloc,
            models.Blob.cc_total,
            models.Blob.functions,
            models.Blob.c_or_worse,
            models.Blob.mi,
        ]
        with self.engine.connect() as conn:
            for part in chunks(missing):
                for row in conn.execute(select(*cols).where(models.Blob.blob.in_(part))).mappings():
                    self.contributions[row["blob"]] = Contribution.from_row(row)

    # -- the pipeline -------------------------------------------------------------------------
    def prepare(self, commits: list[CommitRecord], pool: ScoringPool) -> _Batch:
        """Give each commit its generation and start scoring the blobs nobody has scored yet."""
        generations = {}
        needed: dict[str, bool] = {}
        for commit in commits:
            generation = 1 + max((self.generations.get(p, 0) for p in commit.parents), default=0)
            self.generations[commit.sha] = generations[commit.sha] = generation
            needed |= scored_blobs(commit.changes)
        self._load_contributions(set(needed))
        new = sorted(b for b in needed if b not in self.contributions and b not in self.inflight)
        self.inflight.update(new)
        return _Batch(commits, generations, pool.submit([(b, self.git.read_blob(b), needed[b]) for b in new]))

    def _state_for(self, parent: str | None) -> TreeQuality:
        if parent is None:
            return TreeQuality()
        if parent in self.states:
            self.states.move_to_end(parent)
            return self.states[parent].copy()
        # Not in memory (resumed run, or a long-lived branch): rebuild from the parent's tree.
        state = TreeQuality()
        for path, blob in self.scored_tree(parent):
            state.set_file(path, blob, self.contributions)
        return state

    def scored_tree(self, commit: str) -> list[tuple[str, str]]:
        """(path, blob) of the scored files in `commit`'s tree, each blob's score loaded or made now."""
        files = list(self.git.python_files(commit, is_scored_path))
        notebook = {blob: is_notebook_path(path) for path, blob in files}
        self._load_contributions(set(notebook))
        self._score_now({b: n for b, n in notebook.items() if b not in self.contributions})
        return files

    def _score_now(self, blobs: dict[str, bool]) -> None:
        """Score blobs found in a tree but never in a stored diff (an earlier partial run, or notebooks
        of a store ingested before qroi scored them); values say which blobs are notebooks."""
        if not blobs:
            return
        with ScoringPool(1, self.options.budget) as pool:
            tasks = [(b, self.git.read_blob(b), blobs[b]) for b in sorted(blobs)]
            scores = [s for f in pool.submit(tasks) for s in f.result()]
        with transaction(self.engine) as conn:
            self._store_scores(conn, scores)

    def _store_scores(self, conn: Any, scores: list[BlobScore]) -> None:
        for score in scores:
            self.contributions[score.blob] = Contribution.from_row(score.row())
        inserted = insert_new(conn, models.Blob.__table__, [s.row() for s in scores], "blob")
        functions = [{"blob": s.blob, **f} for s in scores if s.blob in inserted for f in s.functions]
        insert_rows(conn, models.Function.__table__, functions)
        self.result.blobs_scored += len(inserted)
        self.result.blobs_failed += sum(1 for s in scores if s.blob in inserted and s.error_kind)
        self.result.blobs_translated += sum(1 for s in scores if s.blob in inserted and s.translated)

    def finish(self, batch: _Batch, known: Callable[[str], str | None]) -> None:
        """Wait for the batch's scores, compute the quality sums, write it all in one transaction."""
        scores = [score for future in batch.futures for score in future.result()]
        for score in scores:
            self.contributions[score.blob] = Contribution.from_row(score.row())
            self.inflight.discard(score.blob)
        commit_rows, change_rows, merge_rows, ref_rows = [], [], [], []
        for commit in batch.commits:
            state = self._state_for(commit.parents[0] if commit.parents else None)
            state.apply(commit.changes, self.contributions)
            self.states[commit.sha] = state
            if len(self.states) > STATE_CACHE:
                self.states.popitem(last=False)
            commit_rows.append(self._commit_row(commit, batch.generations[commit.sha], state, known))
            for change in commit.changes:
                (merge_rows if commit.is_merge else change_rows).append((commit.sha, change))
            ref_rows.extend(
                (commit.sha, ref, action) for ref, action in messages.issue_refs(commit.message).items()
            )
        with transaction(self.engine) as conn:
            self._store_scores(conn, scores)
            ids = insert_returning_ids(conn, models.Commit.__table__, commit_rows, "sha")
            insert_rows(
                conn,
                models.Change.__table__,
                [change_row(self.repo_id, ids[sha], c) for sha, c in change_rows],
            )
            insert_rows(
                conn,
                models.MergeChange.__table__,
                [row for sha, c in merge_rows for row in _merge_rows(self.repo_id, ids[sha], [c])],
            )
            insert_rows(
                conn,
                models.IssueRef.__table__,
                [
                    {"repo_id": self.repo_id, "commit_id": ids[sha], "ref": ref, "action": action}
                    for sha, ref, action in ref_rows
                ],
            )
        self.result.commits_added += len(commit_rows)
        self.progress.advance(len(commit_rows), len(scores))

    def _commit_row(
        self, commit: CommitRecord, generation: int, state: TreeQuality, known: Callable[[str], str | None]
    ) -> dict[str, Any]:
        own = commit.churn_changes
        is_revert, reverted = messages.revert_of(commit.message)
        refs = messages.issue_refs(commit.message)
        return {
            "repo_id": self.repo_id,
            "sha": commit.sha,
            "parents": " ".join(commit.parents),
            "generation": generation,
            "author_name": commit.author_name,
            "author_email": commit.author_email,
            "authored_ts": commit.authored_ts,
            "author_tz": commit.author_tz,
            "committer_name": commit.committer_name,
            "committer_email": commit.committer_email,
            "committed_ts": commit.committed_ts,
            "committer_tz": commit.committer_tz,
            "message": commit.message,
            "is_merge": commit.is_merge,
            "insertions": sum(c.added or 0 for c in own),
            "deletions": sum(c.deleted or 0 for c in own),
            "files_changed": len(own),
            "is_revert": is_revert,
            "reverted_sha": known(reverted) if reverted else None,
            "issue_refs": " ".join(sorted(refs)),
            "header_flags": commit.header_flags,
            **state.columns(),
        }


def change_row(repo_id: int, commit_id: int, change: FileChange) -> dict[str, Any]:
    """A `changes` row (and, without the line counts, a `merge_changes` row)."""
    return {
        "repo_id": repo_id,
        "commit_id": commit_id,
        "path": change.path,
        "old_path": change.old_path if change.old_path != change.path else None,
        "change_type": change.change_type,
        "added": change.added,
        "deleted": change.deleted,
        "old_blob": change.old_blob,
        "new_blob": change.new_blob,
        "is_python": change.is_python,
    }


def _merge_rows(repo_id: int, commit_id: int, changes: list[FileChange]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in change_row(repo_id, commit_id, c).items() if k not in ("added", "deleted")}
        for c in changes
    ]


def backfill_merge_diffs(engine: Engine, git: GitRepo, repo_id: int) -> int:
    """Store the first-parent diffs of merges ingested before qroi kept them (an upgraded store).

    A merge whose diff is empty is looked at again on each ingest; there are few, and git answers
    for all of them in one process.
    """
    c, mc = models.Commit, models.MergeChange
    has_rows = select(mc.id).where(mc.commit_id == c.id).exists()
    with engine.connect() as conn:
        missing = dict(
            conn.execute(select(c.sha, c.id).where(c.repo_id == repo_id, c.is_merge, ~has_rows)).all()
        )
    if not missing:
        return 0
    rows = [
        row
        for record in iter_listed(git.git_dir, sorted(missing), use_mailmap=False)
        for row in _merge_rows(repo_id, missing[record.sha], record.changes)
    ]
    with transaction(engine) as conn:
        insert_rows(conn, mc.__table__, rows)
    return len(rows)


def _batches(commits: Iterator[CommitRecord], size: int) -> Iterator[list[CommitRecord]]:
    while batch := list(islice(commits, size)):
        yield batch


def _repo_row(engine: Engine, name: str, source: Source, branch: str | None) -> int:
    with transaction(engine) as conn:
        row = conn.execute(select(models.Repo.id, models.Repo.source).where(models.Repo.name == name)).first()
        if row is None:
            try:
                return conn.execute(
                    models.Repo.__table__.insert().returning(models.Repo.id),
                    {"name": name, "source": source.display, "branch": branch},
                ).scalar_one()
            except IntegrityError as exc:  # a concurrent run created it first
                raise QroiError(f"repository {name!r} was just created by another run; try again") from exc
        if row.source != source.display:
            raise QroiError(
                f"a repository named {name!r} from {row.source} is already stored; choose another with --name"
            )
        return row.id


def _finalise(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    head_files: list[tuple[str, str]],
    known_generation: dict[str, int],
    result: IngestResult,
    overrides: roles.Overrides,
) -> None:
    """Tags, the scored files at HEAD and the role overrides, replaced in one transaction at the end of a run."""
    tags = [t for t in git.tags() if t.sha in known_generation]
    with transaction(engine) as conn:
        conn.execute(delete(models.Tag).where(models.Tag.repo_id == repo_id))
        insert_rows(
            conn,
            models.Tag.__table__,
            [
                {
                    "repo_id": repo_id,
                    "name": t.name,
                    "sha": t.sha,
                    "tagged_ts": t.tagged_ts,
                    "annotated": t.annotated,
                }
                for t in tags
            ],
        )
        conn.execute(delete(models.HeadFile).where(models.HeadFile.repo_id == repo_id))
        insert_rows(
            conn,
            models.HeadFile.__table__,
            [{"repo_id": repo_id, "path": path, "blob": blob} for path, blob in head_files],
        )
        conn.execute(
            update(models.Repo)
            .where(models.Repo.id == repo_id)
            .values(
                head_sha=head,
                last_ingest_ts=int(time.time()),
                last_ingest_seconds=round(result.seconds, 3),
                role_overrides=overrides.to_json() if overrides else None,
            )
        )
        _count_python_blobs(conn, repo_id, result)


def project_roles(git: GitRepo, head: str) -> roles.Overrides:
    """The `[tool.qroi]` role overrides of `pyproject.toml` in HEAD's tree (the committed table, not
    an edit in the work tree), stored so every reader of the store resolves roles alike."""
    raw = git.file_at(head, "pyproject.toml")
    if raw is None:
        return roles.Overrides()
    return roles.from_pyproject(raw.decode("utf-8", "replace"), f"pyproject.toml at {head[:12]}")


def _count_python_blobs(conn: Any, repo_id: int, result: IngestResult) -> None:
    """Distinct Python and notebook blobs of the repository's history, and how many could not be scored."""
    blobs = (
        select(models.Change.new_blob)
        .where(models.Change.repo_id == repo_id, models.Change.is_python, models.Change.new_blob.is_not(None))
        .distinct()
        .subquery()
    )
    rows = (
        conn.execute(select(models.Blob.error_kind).join(blobs, blobs.c.new_blob == models.Blob.blob))
        .scalars()
        .all()
    )
    result.python_blobs_total = len(rows)
    result.python_blobs_unscored = sum(1 for kind in rows if kind)
    result.commits_total = conn.execute(
        select(func.count()).select_from(models.Commit).where(models.Commit.repo_id == repo_id)
    ).scalar_one()


def ingest(
    engine: Engine, target: str, options: IngestOptions | None = None, progress: Progress | None = None
) -> IngestResult:
    """Mine `target` (path or URL) into the store; only commits not stored yet are processed."""
    options = options or IngestOptions()
    progress = progress or Progress()
    started = time.perf_counter()
    source = resolve(target, options.cache_dir)
    name = options.name or source.default_name
    init_schema(engine)
    # A cluster is reached before anything is stored (an unreachable one is a one-line error); the
    # workers, local or remote, are released before the post-ingest steps fork.
    pool = ScoringPool(options.workers, options.budget, scheduler=options.scheduler)
    with pool, GitRepo(source.git_path) as git, repo_lock(engine, name):
        head = git.resolve(options.branch or "HEAD")
        overrides = project_roles(git, head)  # before mining: a [tool.qroi] typo fails at once
        try:
            repo_id = _repo_row(engine, name, source, options.branch)
            # The bug-fix rule and the use of .mailmap are remembered with the delivery settings: new
            # commits are mined with the ones the delivery step will store (and re-apply if they changed).
            remembered = delivery_step.stored_settings(engine, repo_id)
            pattern = delivery_step.bugfix_pattern(options.delivery, remembered)
            options = replace(options, delivery=replace(options.delivery, bugfix_pattern=pattern))
            result = IngestResult(repo=name, source=source.display, head=head)
            result.history_change = history_check.check(engine, git, repo_id, head)
            if result.history_change:
                with transaction(engine) as conn:
                    result.history_dropped = rewind.drop_history(conn, repo_id)
            run = _Run(engine, git, repo_id, options, result, progress)
            tips = git.existing(run.load_stored())
            backfill_merge_diffs(engine, git, repo_id)
            progress.start(git.count(head, tips))
            stored_before = set(run.generations)

            def known(sha: str) -> str | None:
                if sha in run.generations:
                    return sha
                return next((s for s in run.generations if s.startswith(sha)), None)

            with pool:
                pending: deque[_Batch] = deque()
                use_mailmap = delivery_step.mailmap_enabled(options.delivery.mailmap, remembered)
                fresh = (
                    c
                    for c in iter_commits(git.git_dir, head, tips, use_mailmap)
                    if c.sha not in stored_before
                )
                for commits in _batches(fresh, options.batch_size):
                    pending.append(run.prepare(commits, pool))
                    if len(pending) > 1:
                        run.finish(pending.popleft(), known)
                while pending:
                    run.finish(pending.popleft(), known)
            head_files = run.scored_tree(head)
            post_started = time.perf_counter()
            final = post_steps.history_is_final(git, head, options.delivery, remembered, not stored_before)
            result.delivery, result.ai, result.post_steps_overlapped = post_steps.run(
                engine, git, repo_id, head, options.delivery, options.ai, options.workers, overlap=final
            )
            result.post_steps_seconds = time.perf_counter() - post_started
            result.delivery.history = None  # memory: the history is not needed past this point
            result.seconds = time.perf_counter() - started
            _finalise(engine, git, repo_id, head, head_files, run.generations, result, overrides)
        except DBAPIError as exc:
            raise QroiError(describe_db_error(engine, exc)) from exc
    result.seconds = time.perf_counter() - started
    return result
