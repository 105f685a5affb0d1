"""The AI-era post-ingest step: line operations, churn, declared AI assistance, tree duplication.

Called once at the end of every `qroi ingest`, right after the delivery signals
(`qroi.delivery.delivery_step`), for what the store does not have yet. Work is chosen from the store, and
everything a run computes is written in one transaction at its end, so a killed run leaves the
previous state and the next run redoes exactly the missing work; an incremental store equals
one ingested from scratch (tested):

1. declarations (`qroi.ai.declared`) of commits without one; all commits again when the
   rules or the identities (`.mailmap`, re-resolved by the delivery step) changed;
2. line operations (`qroi.ai.lineops`) of the non-merge commits without them, with churn: one
   streamed `git diff-tree -p -U0` with both sides' text (`qroi.git.patches`) feeds, in the
   store's canonical order, the trees of the text files (rebuilt from the diffs alone, from a
   snapshot read from git where a walk starts mid-history), the window index of the tree before
   each commit (copy/paste), and a line-provenance tracker (`qroi.delivery.rework`) for churn;
3. the duplicated-block share of the Python files (`qroi.ai.duplication`) at the end of each
   month on the mainline and at each release, where that point is new or moved.

Churn: a line commit A wrote is churned when a later commit deletes or changes it at most
`churn_days` (default 14) after A, by author times. Lines a commit *moved* are not written by
it: their deletion at the source is not churn, and the moved copy has no origin, so deleting
it later is nobody's churn. Churn is counted when the deleting commit is ingested and added to
the writing commit's count, so it is exact whatever the order of ingests; queries show it only
once `churn_days` of history follow the commit (`qroi.read.ai_frames`).

Settings (churn window, block sizes, the user's rule file) are remembered per repository: an
option left out means "as last time". Changing a threshold or the churn window recomputes every
commit's line operations and churn; changed rules reclassify every declaration.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, select, update

from qroi.ai import declared
from qroi.ai.duplication import WindowIndex, split_lines
from qroi.ai.lineops import MOVED, CommitOps, LineOpsConfig, Tree, classify, tree_after
from qroi.core.calendar import month_of
from qroi.core.errors import QroiError
from qroi.core.timing import timed
from qroi.delivery import delivery_step, rework
from qroi.delivery.rework import Moved, ReworkTracker
from qroi.git import patches
from qroi.git.patches import FilePatch
from qroi.git.repository import GitRepo
from qroi.store import ai_settings, models
from qroi.store.database import insert_rows, transaction
from qroi.store.history import StoredCommit, StoredHistory

BINARY_PROBE = 8000
"""git's own test: a NUL in the first 8000 bytes makes a blob binary."""
LINEOPS_KEYS = ("churn_days", "min_moved", "min_copy")


@dataclass
class AiOptions:
    """AI-era knobs of one ingest; None means "as the last ingest of this repository", else the default."""

    churn_days: float | None = None
    min_moved: int | None = None
    min_copy: int | None = None
    rules: Path | None = None

    def validate(self) -> None:
        """Fail before any mining on a bad threshold or rule file (one clear line)."""
        config = LineOpsConfig()
        try:
            LineOpsConfig(
                self.min_moved if self.min_moved is not None else config.min_moved,
                self.min_copy if self.min_copy is not None else config.min_copy,
            )
        except ValueError as exc:
            raise QroiError(str(exc).replace("min_", "--min-")) from exc
        if self.churn_days is not None and not self.churn_days > 0:
            raise QroiError(f"--churn-days must be a positive number of days, not {self.churn_days!r}")
        if self.rules is not None:
            declared.load_rules(self.rules)


@dataclass
class AiReport:
    """What the step did, with the seconds each part took (the benchmarks print them)."""

    declared: int = 0
    flagged: int = 0
    classified: int = 0
    changed_lines: int = 0
    churn_links: int = 0
    duplication_points: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """Wall time of the whole step (the parts of the walk are inside "lineops")."""
        return sum(v for k, v in self.seconds.items() if not k.startswith("lineops."))


# -- settings -------------------------------------------------------------------------------------


def resolve_settings(options: AiOptions, stored: dict[str, Any], identities: Any) -> dict[str, Any]:
    """This run's settings: the options given, else the stored ones, else the defaults."""
    pick = partial(delivery_step.remembered, options, stored)
    defaults = LineOpsConfig()
    if options.rules is not None:
        rules_file: str | None = str(options.rules)
        try:
            rules_text: str | None = options.rules.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QroiError(f"cannot read --ai-rules file {options.rules}: {exc}") from exc
    else:
        rules_file, rules_text = stored.get("rules_file"), stored.get("rules_text")
    digest = hashlib.sha256(f"{declared.shipped_text()}\0{rules_text or ''}".encode()).hexdigest()
    return {
        "churn_days": float(pick("churn_days", ai_settings.DEFAULT_CHURN_DAYS)),
        "min_moved": int(pick("min_moved", defaults.min_moved)),
        "min_copy": int(pick("min_copy", defaults.min_copy)),
        "rules_file": rules_file,
        "rules_text": rules_text,
        "rules_hash": digest,
        "identities": identities,
    }


def _changed(stored: dict[str, Any], settings: dict[str, Any], keys: Iterable[str]) -> bool:
    """Whether a setting the stored results depend on differs (never on the first run)."""
    return bool(stored) and any(stored.get(k) != settings[k] for k in keys)


# -- declarations ---------------------------------------------------------------------------------


def _declarations(
    engine: Engine, repo_id: int, settings: dict[str, Any], everything: bool
) -> list[dict[str, Any]]:
    """Declaration rows of the commits without one (of every commit with `everything`)."""
    c, d = models.Commit, models.AiDeclaration
    rules = declared.rules_from_text(settings["rules_text"], settings["rules_file"] or "rule file")
    stmt = select(c.id, c.message, c.author_name, c.author_email, c.committer_name, c.committer_email).where(
        c.repo_id == repo_id
    )
    if not everything:
        stmt = stmt.where(~select(d.commit_id).where(d.commit_id == c.id).exists())
    rows = []
    with engine.connect() as conn:
        for cid, message, a_name, a_email, c_name, c_email in conn.execute(stmt):
            found = rules.classify(message, a_name, a_email, c_name, c_email)
            matches = [
                {"rule": m.rule, "tool": m.tool, "category": m.category, "text": m.text}
                for m in found.matches
            ]
            rows.append(
                {
                    "commit_id": cid,
                    "repo_id": repo_id,
                    "flagged": found.flagged,
                    "automated": found.automated,
                    "category": found.category,
                    "rule": found.rule,
                    "tool": found.tool,
                    "matches": json.dumps(matches, ensure_ascii=False),
                }
            )
    return rows


# -- line operations, churn and trees -------------------------------------------------------------


def _moved(result: CommitOps) -> dict[str, Moved]:
    """Per path, the old and new line numbers of the lines a commit moved (for churn)."""
    return {
        f.path: (f.line_numbers(MOVED, "deleted"), f.line_numbers(MOVED, "added"))
        for f in result.files
        if f.ops.moved_in or f.ops.moved_out
    }


def _row(commit_id: int, result: CommitOps) -> dict[str, Any]:
    """A `commit_lineops` row (without its repository)."""
    ops = result.ops
    return {
        "commit_id": commit_id,
        "added": ops.added,
        "deleted": ops.deleted,
        "updated": ops.updated,
        "moved": ops.moved,
        "copy_pasted": ops.copy_pasted,
        "trivial_added": ops.trivial_added,
        "trivial_deleted": ops.trivial_deleted,
        "operations": ops.operations,
        "duplicated_block": result.duplicated_block,
        "churned": 0,
    }


@dataclass
class _Found:
    """What the walk computed: new line-operation rows, churn per writing commit, and point trees' shares."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    churn: Counter[int] = field(default_factory=Counter)
    shares: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Walk:
    """One pass over the commits to classify (and those churn must look back on), in canonical order.

    Commits looked back on are classified too, without a tree (moves need none), so that the
    lines they moved have no writer, exactly as when they were classified themselves. Trees are
    kept only from the first commit to classify on, and only while a later commit of the walk
    still needs one as its first parent's, so memory holds a few trees, not a history.
    """

    def __init__(
        self,
        git: GitRepo,
        history: StoredHistory,
        settings: dict[str, Any],
        todo: set[int],
        points: set[str],
        report: AiReport,
    ) -> None:
        self.git, self.history, self.todo, self.points, self.report = git, history, todo, points, report
        self.config = LineOpsConfig(settings["min_moved"], settings["min_copy"])
        self.churn_days = settings["churn_days"]
        self.index = WindowIndex(self.config.min_copy)
        self.point_index = WindowIndex(self.config.min_copy, python_only=True)  # trees at points
        self.trees: dict[str, Tree] = {}
        self.needed: Counter[str] = Counter()
        self.found = _Found()
        self.last = 0.0

    def run(self) -> _Found:
        walked = rework.walk(self.history, self.todo, self.churn_days)
        start = min((c.index for c in walked if c.id in self.todo), default=len(self.history.commits))
        self.needed.update(c.parents[0] for c in walked if c.index >= start and c.parents)
        tracker = ReworkTracker(self.churn_days)
        self.last = time.perf_counter()
        for commit, diffs in rework.diffs_along(self.git.git_dir, walked, keep_text=True):
            self._lap("lineops.diffs")  # git's patch stream and its parsing, while the step waited
            self._step(commit, diffs, commit.index >= start, tracker)
        self._lap("lineops.diffs")
        for sha in sorted(self.points - self.found.shares.keys()):  # points outside the walk
            self.found.shares[sha] = self._share(self._snapshot(sha))
        self._lap("lineops.trees")
        self.report.classified = len(self.found.rows)
        return self.found

    def _step(
        self, commit: StoredCommit, diffs: list[FilePatch], building: bool, tracker: ReworkTracker
    ) -> None:
        """Classify one commit (with the tree before it when it is to do), feed churn, keep its tree."""
        first = [d for d in diffs if d.parent == 0]
        before = self._before(commit) if building else {}
        result = None
        if commit.id in self.todo:
            self.index.sync(before)
            self._lap("lineops.trees")
            result = classify(first, self.index, self.config)
            self.found.rows[commit.id] = _row(commit.id, result)
            self.report.changed_lines += result.ops.lines_added + result.ops.lines_deleted
        elif not commit.is_merge:  # looked back on: only its moves matter, and they need no tree
            self._lap("lineops.trees")
            result = classify(first, None, self.config)
        self._lap("lineops.classify")
        for origin, _path, lines in tracker.feed(
            commit, diffs, commit.id in self.todo, _moved(result) if result else None
        ):
            self.found.churn[origin] += lines
        self._lap("lineops.churn")
        if building:
            self._keep(commit, before, first)
        self._lap("lineops.trees")

    def _lap(self, part: str) -> None:
        """Add the time since the last lap to one part of the walk in the report."""
        now = time.perf_counter()
        self.report.seconds[part] = self.report.seconds.get(part, 0.0) + now - self.last
        self.last = now

    def _before(self, commit: StoredCommit) -> Tree:
        """The text files of the commit's first parent (read from git when the walk did not build them)."""
        parent = commit.parents[0] if commit.parents else None
        if parent is None or parent not in self.history.by_sha:
            return {}
        if parent not in self.trees:
            self.trees[parent] = self._snapshot(parent)
        return self.trees[parent]

    def _keep(self, commit: StoredCommit, before: Tree, first: Sequence[FilePatch]) -> None:
        """The tree after the commit, kept while a later commit needs it; parents dropped when done."""
        tree = tree_after(before, first, self._reread)
        if commit.sha in self.points:
            self.found.shares[commit.sha] = self._share(tree)
        if self.needed[commit.sha]:
            self.trees[commit.sha] = tree
        if commit.parents:
            parent = commit.parents[0]
            self.needed[parent] -= 1
            if self.needed[parent] <= 0:
                self.trees.pop(parent, None)

    def _snapshot(self, sha: str) -> Tree:
        return tree_after({}, list(patches.snapshot(self.git.git_dir, sha)), self._reread)

    def _reread(self, diff: Any) -> tuple[bytes, ...] | None:
        """A file's lines after the commit from its blob, when its diff does not fit the tree."""
        if not diff.new_blob:
            return None
        data = self.git.read_blob(diff.new_blob)
        return None if b"\0" in data[:BINARY_PROBE] else tuple(split_lines(data))

    def _share(self, tree: Tree) -> dict[str, Any]:
        """The tree's duplicated-block share (`duplicated_share`), re-hashing only what changed
        since the previous point."""
        self.point_index.sync(tree)
        result = self.point_index.share()
        return {
            "python_files": result.files,
            "python_lines": result.lines,
            "duplicated_lines": result.duplicated_lines,
            "share": result.share,
            "block_size": result.window,
        }


# -- duplication points ---------------------------------------------------------------------------


def _points_of_months(history: StoredHistory, head: str) -> dict[tuple[str, str], str]:
    """("month", month) -> the last mainline commit of each month."""
    points: dict[tuple[str, str], str] = {}
    sha: str | None = head
    seen: set[str] = set()
    while (
        sha is not None and sha in history.by_sha and sha not in seen
    ):  # newest first: the first of a month wins
        seen.add(sha)
        commit = history.by_sha[sha]
        points.setdefault(("month", month_of(commit.committed_ts)), sha)
        sha = commit.parents[0] if commit.parents else None
    return points


def _points(engine: Engine, repo_id: int, history: StoredHistory, head: str) -> dict[tuple[str, str], str]:
    """(kind, at) -> commit sha: the last mainline commit of each month, and each release's commit."""
    points = _points_of_months(history, head)
    with engine.connect() as conn:
        for tag, tagged in conn.execute(
            select(models.Release.tag, models.Release.sha).where(models.Release.repo_id == repo_id)
        ):
            if tagged in history.by_sha:
                points[("release", tag)] = tagged
    return points


def _stored_points(
    engine: Engine, repo_id: int, history: StoredHistory
) -> dict[tuple[str, str], tuple[str, int]]:
    t = models.TreeDuplication
    with engine.connect() as conn:
        rows = conn.execute(select(t.kind, t.at, t.commit_id, t.block_size).where(t.repo_id == repo_id)).all()
    return {(kind, at): (history.by_id[cid].sha, size) for kind, at, cid, size in rows}


# -- writing --------------------------------------------------------------------------------------


def _write(
    engine: Engine,
    repo_id: int,
    history: StoredHistory,
    settings: dict[str, Any],
    declarations: tuple[list[dict[str, Any]], bool],
    lineops: tuple[_Found, bool],
    points: tuple[dict[tuple[str, str], str], set[tuple[str, str]]],
) -> None:
    """Everything the run computed, and the settings it used, in one transaction."""
    rows, all_declarations = declarations
    found, all_lineops = lineops
    wanted, stale = points
    lo, dup, decl = (
        models.CommitLineOps.__table__,
        models.TreeDuplication.__table__,
        models.AiDeclaration.__table__,
    )
    for commit_id, lines in found.churn.items():
        if commit_id in found.rows:
            found.rows[commit_id]["churned"] += lines
    stored_churn = [{"b_id": cid, "b_n": n} for cid, n in found.churn.items() if cid not in found.rows]
    new_points = [
        {"repo_id": repo_id, "commit_id": history.by_sha[sha].id, "kind": kind, "at": at, **found.shares[sha]}
        for (kind, at), sha in sorted(wanted.items())
        if sha in found.shares
    ]
    with transaction(engine) as conn:
        if all_declarations:
            conn.execute(delete(decl).where(decl.c.repo_id == repo_id))
        insert_rows(conn, decl, rows)
        if all_lineops:
            conn.execute(delete(lo).where(lo.c.repo_id == repo_id))
        insert_rows(conn, lo, [{**row, "repo_id": repo_id} for row in found.rows.values()])
        _add_churn(conn, stored_churn)
        for kind, at in sorted(stale | set(wanted)):
            conn.execute(delete(dup).where(dup.c.repo_id == repo_id, dup.c.kind == kind, dup.c.at == at))
        insert_rows(conn, dup, new_points)
        state = models.AiState.__table__
        conn.execute(delete(state).where(state.c.repo_id == repo_id))
        conn.execute(state.insert(), {"repo_id": repo_id, "settings": json.dumps(settings, sort_keys=True)})


def _add_churn(conn: Connection, rows: list[dict[str, int]]) -> None:
    """churned += n for commits classified by earlier runs whose lines the new commits churned."""
    if not rows:
        return
    lo = models.CommitLineOps.__table__
    conn.execute(
        update(lo).where(lo.c.commit_id == bindparam("b_id")).values(churned=lo.c.churned + bindparam("b_n")),
        rows,
    )


def _count_flagged(engine: Engine, repo_id: int) -> int:
    d = models.AiDeclaration
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(d.repo_id == repo_id, d.flagged)).scalar_one()


@dataclass
class Walked:
    """What the walk computed, ready for `finish`: it can run beside the delivery step (in a
    process of its own), since it reads only the stored history and the AI step's own settings."""

    found: _Found
    report: AiReport
    all_lineops: bool


def _wanted(
    engine: Engine, repo_id: int, history: StoredHistory, head: str, min_copy: int
) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """The points to (re)measure, and the stored points no longer wanted."""
    wanted = _points(engine, repo_id, history, head)
    have = _stored_points(engine, repo_id, history)
    stale = set(have) - set(wanted)
    return {key: sha for key, sha in wanted.items() if have.get(key) != (sha, min_copy)}, stale


def candidate_points(git: GitRepo, history: StoredHistory, head: str) -> set[str]:
    """Commits whose tree shares `finish` may want before the releases are known: every month's
    last mainline commit and every tagged commit (releases are tags the delivery step picks)."""
    months = set(_points_of_months(history, head).values())
    return months | {tag.sha for tag in git.tags() if tag.sha in history.by_sha}


def walk(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    options: AiOptions,
    history: StoredHistory | None = None,
    points: set[str] | None = None,
) -> Walked:
    """The walk: line operations and churn of the commits to do, and tree shares at `points`
    (default `candidate_points`)."""
    report = AiReport()
    stored = ai_settings.stored_settings(engine, repo_id)
    settings = resolve_settings(options, stored, None)  # identities: the walk does not read them
    with timed(report.seconds, "load"):
        history = history or StoredHistory.load(engine, repo_id)
        with engine.connect() as conn:
            done = set(
                conn.execute(
                    select(models.CommitLineOps.commit_id).where(models.CommitLineOps.repo_id == repo_id)
                ).scalars()
            )
        all_lineops = _changed(stored, settings, LINEOPS_KEYS)
        todo = {c.id for c in history.commits if not c.is_merge and (all_lineops or c.id not in done)}
        if points is None:
            points = candidate_points(git, history, head)
    with timed(report.seconds, "lineops"):
        found = _Walk(git, history, settings, todo, points, report).run()
        report.churn_links = sum(1 for n in found.churn.values() if n)
    return Walked(found, report, all_lineops)


def finish(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    options: AiOptions,
    walked: Walked,
    history: StoredHistory | None = None,
) -> AiReport:
    """Declarations, the points wanted now that the releases are stored, and one write."""
    report, found = walked.report, walked.found
    stored = ai_settings.stored_settings(engine, repo_id)
    identities = delivery_step.stored_settings(engine, repo_id).get("mailmap")
    settings = resolve_settings(options, stored, identities)
    with timed(report.seconds, "declarations"):
        all_declarations = _changed(stored, settings, ("rules_hash", "identities"))
        declarations = _declarations(engine, repo_id, settings, all_declarations)
        report.declared = len(declarations)
    with timed(report.seconds, "points"):
        history = history or StoredHistory.load(engine, repo_id)
        wanted, stale = _wanted(engine, repo_id, history, head, settings["min_copy"])
        helper = _Walk(git, history, settings, set(), set(), report)
        for sha in sorted(set(wanted.values()) - found.shares.keys()):  # not among the candidates
            found.shares[sha] = helper._share(helper._snapshot(sha))
        report.duplication_points = len(wanted)
    with timed(report.seconds, "write"):
        _write(
            engine,
            repo_id,
            history,
            settings,
            (declarations, all_declarations),
            (found, walked.all_lineops),
            (wanted, stale),
        )
        report.flagged = _count_flagged(engine, repo_id)
    return report


def refresh(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    options: AiOptions,
    history: StoredHistory | None = None,
) -> AiReport:
    """Bring the repository's AI-era tables up to date with its stored commits, in this process.

    `history` is the stored history when the caller has just read it (the delivery step does).
    The releases are stored already, so the walk measures exactly the points wanted.
    """
    history = history or StoredHistory.load(engine, repo_id)
    min_copy = resolve_settings(options, ai_settings.stored_settings(engine, repo_id), None)["min_copy"]
    wanted, _ = _wanted(engine, repo_id, history, head, min_copy)
    walked = walk(engine, git, repo_id, head, options, history, set(wanted.values()))
    return finish(engine, git, repo_id, head, options, walked, history)
