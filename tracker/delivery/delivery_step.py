"""The post-ingest step: delivery signals of the commits the store does not have them for yet.

Called once at the end of every `qroi ingest`, after the commit batches are written. Work is
chosen from the store, not from "what this run added", so a run killed anywhere resumes exactly:

1. identities: if the `.mailmap` at HEAD changed, stored commits are re-resolved (`mailmap`);
   then kinds: change kinds for the commits without one, or whose bug-issue link changed (`kinds`);
2. Kamei features and complexity delta for commits without them (`features`; a commit slotted
   into the middle of the canonical order recomputes the commits after it);
3. rework for commits without it (`rework`, one streamed diff over the relevant window);
4. SZZ for bug fixes (`kind == "fix"`, which a linked bug issue can decide) not blamed yet (`szz`);
5. DMM, only when asked (`dmm`);
6. releases, first release, lead time, change failure and reverts, rebuilt from the store (`releases`).

Settings (rework days, failure days, release pattern, ignore-revs, DMM, mailmap) are remembered
per repository: an option left out means "as last time". Changing one recomputes exactly the
signals that depend on it.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlmodel import col

from qroi.core.errors import QroiError
from qroi.core.timing import timed
from qroi.delivery import dmm, features, identities, releases, rework, szz
from qroi.git import mailmap
from qroi.git.repository import GitRepo
from qroi.git.run import run_git
from qroi.labels import issue_links, kinds, messages
from qroi.store import models
from qroi.store.database import chunks, insert_rows, transaction, update_rows
from qroi.store.history import StoredHistory

DEFAULT_REWORK_DAYS = 21
DEFAULT_FAILURE_DAYS = 14
REPO_IGNORE_REVS = ".git-blame-ignore-revs"
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
FEATURE_COLUMNS = (
    "ns",
    "nd",
    "nf",
    "entropy",
    "la",
    "ld",
    "lt",
    "ndev",
    "age_days",
    "nuc",
    "exp",
    "rexp",
    "sexp",
    "cc_delta",
)
RELEASE_COLUMNS = ("first_release", "released_ts", "lead_time_s", "reverted_later", "time_to_revert_s")


@dataclass
class DeliveryOptions:
    """Delivery knobs of one ingest; None means "as the last ingest of this repository", else the default."""

    rework_days: float | None = None
    failure_days: float | None = None
    release_pattern: str | None = None
    ignore_revs: Path | None = None
    dmm: bool | None = None
    mailmap: bool | None = None
    bugfix_pattern: str | None = None

    def validate(self) -> None:
        """Fail before any mining on a bad pattern or ignore-revs file (one clear line)."""
        if self.bugfix_pattern is not None:
            try:
                messages.bugfix_regex(self.bugfix_pattern)
            except re.error as exc:
                raise QroiError(f"--bugfix-pattern is not a valid regular expression: {exc}") from exc
        if self.release_pattern is not None:
            releases.release_regex(self.release_pattern)
        if self.ignore_revs is not None:
            _read_ignore_revs(self.ignore_revs)


@dataclass
class DeliveryReport:
    """What the step did, with the seconds each part took (the benchmark prints them)."""

    identities_updated: int = 0
    fixes_relabelled: int = 0
    features: int = 0
    rework: int = 0
    fixes_blamed: int = 0
    blames: int = 0
    bug_links: int = 0
    dmm: int = 0
    releases: int = 0
    tags_not_releases: list[str] = field(default_factory=list)
    change_failures: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    history: StoredHistory | None = field(default=None, repr=False)
    """The stored history the signals were computed on, for the AI-era step that follows (at
    20,000 commits reading it again cost a quarter of a re-ingest)."""

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def parse_ignore_revs(text: str, source: str) -> list[str]:
    """Commit ids of an ignore-revs file, as git reads it: one full id per line, `#` comments."""
    revs = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not _FULL_SHA.fullmatch(value.lower()):
            raise QroiError(f"{source}: line {number}: not a full commit id: {value[:60]!r}")
        revs.append(value.lower())
    return sorted(set(revs))


def _read_ignore_revs(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QroiError(f"cannot read --ignore-revs file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise QroiError(f"--ignore-revs file {path} is not UTF-8 text") from exc
    return parse_ignore_revs(text, str(path))


def stored_settings(engine: Engine, repo_id: int) -> dict[str, Any]:
    """The settings the repository's signals were last computed with ({} before the first time)."""
    with engine.connect() as conn:
        text = conn.execute(
            select(models.DeliveryState.settings).where(models.DeliveryState.repo_id == repo_id)
        ).scalar()
    return json.loads(text) if text else {}


def mailmap_enabled(wanted: bool | None, stored: dict[str, Any]) -> bool:
    """Whether this run resolves identities through `.mailmap` (on unless turned off; remembered)."""
    return wanted if wanted is not None else bool(stored.get("mailmap_enabled", True))


def _ignore_revs(
    git: GitRepo, head: str, explicit: Path | None, stored: dict[str, Any]
) -> tuple[list[str] | None, list[str]]:
    """(the explicit list to remember, the effective list) of formatting commits SZZ looks through."""
    if explicit is not None:
        revs = _read_ignore_revs(explicit)
        return revs, revs
    if stored.get("ignore_revs_file") is not None:
        return stored["ignore_revs_file"], stored["ignore_revs_file"]
    proc = run_git(["cat-file", "blob", f"{head}:{REPO_IGNORE_REVS}"], git_dir=git.git_dir, check=False)
    if proc.returncode != 0:
        return None, []
    try:
        return None, parse_ignore_revs(
            proc.stdout.decode("utf-8", "replace"), f"{head[:12]}:{REPO_IGNORE_REVS}"
        )
    except QroiError as exc:
        raise QroiError(
            f"{exc} (the commits are stored; pass --ignore-revs FILE to use another list)"
        ) from exc


def remembered(options: Any, stored: dict[str, Any], name: str, default: Any) -> Any:
    """An option of this run if given (not None), else the repository's last, else the default.

    Delivery and AI-era settings follow this rule, so a plain `qroi ingest` repeats the last one.
    """
    value = getattr(options, name)
    return value if value is not None else stored.get(name, default)


def resolve_settings(
    git: GitRepo, head: str, options: DeliveryOptions, stored: dict[str, Any]
) -> dict[str, Any]:
    """This run's settings: the options given, else the stored ones, else the defaults."""
    pick = partial(remembered, options, stored)
    pattern = pick("release_pattern", releases.DEFAULT_RELEASE_PATTERN)
    if pattern in releases.PREVIOUS_DEFAULTS:
        pattern = releases.DEFAULT_RELEASE_PATTERN
    releases.release_regex(pattern)
    explicit, effective = _ignore_revs(git, head, options.ignore_revs, stored)
    enabled = mailmap_enabled(options.mailmap, stored)
    return {
        "rework_days": float(pick("rework_days", DEFAULT_REWORK_DAYS)),
        "failure_days": float(pick("failure_days", DEFAULT_FAILURE_DAYS)),
        "release_pattern": pattern,
        "ignore_revs_file": explicit,
        "szz_ignore": effective,
        "dmm": bool(pick("dmm", False)),
        "mailmap_enabled": enabled,
        "mailmap": mailmap.key(git.git_dir, head, enabled),
        "bugfix_pattern": bugfix_pattern(options, stored),
        "bugfix_rule": kinds.VERSION,
    }


def bugfix_pattern(options: DeliveryOptions, stored: dict[str, Any]) -> str:
    """The bug-fix rule of this run: the one given, else the repository's last, else the default."""
    return options.bugfix_pattern or stored.get("bugfix_pattern") or messages.DEFAULT_BUGFIX_PATTERN


def refresh_kinds(engine: Engine, git: GitRepo, repo_id: int, pattern: str, everything: bool) -> int:
    """Classify the commits that need it (`qroi.labels.kinds`); how many stored fixes changed flag.

    Needing it: every commit when the rules or the bug-fix pattern changed (`everything`), else
    those without a kind yet (new, or stored before kinds existed) and those whose bug-issue link
    came or went since. `is_bugfix` is written with the kind, always `kind == "fix"`. SZZ needs
    nothing more: it drops the links of commits that are no longer fixes and blames the new ones
    on this same run.
    """
    regex = messages.bugfix_regex(pattern)
    c, ch = models.Commit, models.Change
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.id, c.message, c.is_merge, c.is_bugfix, c.kind, c.kind_rule).where(c.repo_id == repo_id)
        ).all()
        bug_issue = issue_links.bug_issue_of(conn, repo_id)
        todo = [
            row
            for row in rows
            if everything
            or row.kind is None
            or (row.id in bug_issue) != (row.kind_rule or "").startswith(kinds.LINKED_RULE)
        ]
        diffs: dict[int, list[Any]] = {}
        for part in chunks([row.id for row in todo if not row.is_merge]):
            cols = (col(ch.commit_id), col(ch.path), col(ch.change_type), col(ch.old_blob), col(ch.new_blob))
            for change in conn.execute(select(*cols).where(col(ch.commit_id).in_(part))):
                diffs.setdefault(change.commit_id, []).append(change)
    updates, reflagged = [], 0
    for row in todo:
        label = kinds.classify(
            row.message,
            bool(row.is_merge),
            diffs.get(row.id, []),
            git.read_blob,
            regex,
            bug_issue.get(row.id),
        )
        fix = label.kind == kinds.FIX
        if (row.kind, row.kind_rule, bool(row.is_bugfix)) != (label.kind, label.rule, fix):
            updates.append({"id": row.id, "kind": label.kind, "kind_rule": label.rule, "is_bugfix": fix})
        reflagged += bool(row.is_bugfix) != fix and (everything or row.kind is not None)
    if updates:
        with transaction(engine) as conn:
            update_rows(conn, c.__table__, "id", updates, ["kind", "kind_rule", "is_bugfix"])
    return reflagged


def _update(conn: Connection, rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> None:
    """UPDATE commit_features SET columns WHERE commit_id = row['commit_id'], for many rows."""
    update_rows(conn, models.CommitFeatures.__table__, "commit_id", rows, columns)


def _feature_rows(engine: Engine, repo_id: int) -> dict[int, dict[str, Any]]:
    table = models.CommitFeatures.__table__
    with engine.connect() as conn:
        result = conn.execute(select(table).where(table.c.repo_id == repo_id)).mappings()
        return {row["commit_id"]: dict(row) for row in result}


def _cc_of(engine: Engine, blobs: set[str]) -> dict[str, int | None]:
    """Radon cc_total per scored blob (None when it could not be scored)."""
    out: dict[str, int | None] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(blobs)):
            for blob, cc, error in conn.execute(
                select(models.Blob.blob, models.Blob.cc_total, models.Blob.error_kind).where(
                    models.Blob.blob.in_(part)
                )
            ):
                out[blob] = None if error else cc
    return out


def _features(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    history: StoredHistory,
    rows: dict[int, dict[str, Any]],
    everything: bool,
) -> int:
    pending = [c.index for c in history.commits if c.id not in rows]
    start = 0 if everything else min(pending, default=len(history.commits))
    if start >= len(history.commits):
        return 0
    blobs = {b for c in history.commits[start:] for ch in c.changes for b in (ch.old_blob, ch.new_blob) if b}
    computed = features.compute(
        history, start, features.LineCounter(history, git.read_blob), _cc_of(engine, blobs)
    )
    empty = dict.fromkeys(FEATURE_COLUMNS)
    inserts, updates = [], []
    for commit_id, values in computed.items():
        full = {**empty, **values}
        if commit_id not in rows:
            inserts.append({"commit_id": commit_id, "repo_id": repo_id, **full})
            rows[commit_id] = {
                "commit_id": commit_id,
                "rework_lines": None,
                "szz_done": False,
                "dmm_done": False,
                **dict.fromkeys(RELEASE_COLUMNS),
                "reverted_later": False,
                **full,
            }
        elif any(rows[commit_id][k] != v for k, v in full.items()):
            updates.append({"commit_id": commit_id, **full})
            rows[commit_id].update(full)
    with transaction(engine) as conn:
        insert_rows(conn, models.CommitFeatures.__table__, inserts)
        _update(conn, updates, FEATURE_COLUMNS)
    return len(inserts) + len(updates)


def _rework(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    history: StoredHistory,
    rows: dict[int, dict[str, Any]],
    days: float,
    everything: bool,
) -> int:
    todo = {
        c.id for c in history.commits if not c.is_merge and (everything or rows[c.id]["rework_lines"] is None)
    }
    found = rework.compute(git.git_dir, history, todo, days)
    links = [
        {"repo_id": repo_id, "commit_id": cid, "origin_commit_id": origin, "path": path, "lines": lines}
        for cid, items in found.items()
        for origin, path, lines in items
    ]
    counts = [{"commit_id": cid, "rework_lines": sum(n for _, _, n in items)} for cid, items in found.items()]
    with transaction(engine) as conn:  # links and counts are written together: no count, no links
        if everything:
            conn.execute(delete(models.ReworkLink).where(models.ReworkLink.repo_id == repo_id))
        insert_rows(conn, models.ReworkLink.__table__, links)
        _update(conn, counts, ["rework_lines"])
    return len(counts)


def _szz(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    history: StoredHistory,
    rows: dict[int, dict[str, Any]],
    ignore: list[str],
    everything: bool,
    workers: int | None,
    report: DeliveryReport,
) -> None:
    link = models.BugLink
    with transaction(engine) as conn:
        fixes = issue_links.fix_commit_ids(conn, repo_id)
        stale = [cid for cid, row in rows.items() if row["szz_done"] and (everything or cid not in fixes)]
        for part in chunks(stale):
            conn.execute(delete(link).where(link.fix_commit_id.in_(part)))
        _update(conn, [{"commit_id": cid, "szz_done": False} for cid in stale], ["szz_done"])
    for cid in stale:
        rows[cid]["szz_done"] = False
    todo = [c for c in history.commits if c.id in fixes and not rows[c.id]["szz_done"]]
    if not todo:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".ignore-revs", encoding="utf-8") as handle:
        handle.write("".join(f"{sha}\n" for sha in ignore))
        handle.flush()
        found, report.blames = szz.compute(
            git.git_dir, history, todo, Path(handle.name) if ignore else None, workers
        )
    with transaction(engine) as conn:  # links and the done marker are written together
        insert_rows(
            conn,
            link.__table__,
            [
                {
                    "repo_id": repo_id,
                    "fix_commit_id": fix,
                    "inducing_commit_id": inducing,
                    "path": path,
                    "lines": lines,
                }
                for fix, inducing, path, lines in found
            ],
        )
        _update(conn, [{"commit_id": c.id, "szz_done": True} for c in todo], ["szz_done"])
    report.fixes_blamed, report.bug_links = len(todo), len(found)


def _dmm(
    engine: Engine, git: GitRepo, history: StoredHistory, rows: dict[int, dict[str, Any]], workers: int | None
) -> int:
    todo = [c for c in history.commits if not c.is_merge and not rows[c.id]["dmm_done"]]
    scores = dmm.compute(git.git_dir, [c.sha for c in todo], workers)
    values = [
        {
            "commit_id": c.id,
            "dmm_done": True,
            "dmm_unit_size": scores[c.sha][0],
            "dmm_unit_complexity": scores[c.sha][1],
            "dmm_unit_interfacing": scores[c.sha][2],
        }
        for c in todo
    ]
    with transaction(engine) as conn:
        _update(conn, values, ["dmm_done", "dmm_unit_size", "dmm_unit_complexity", "dmm_unit_interfacing"])
    return len(values)


def _releases(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    history: StoredHistory,
    rows: dict[int, dict[str, Any]],
    settings: dict[str, Any],
    report: DeliveryReport,
) -> None:
    tags = git.tags()
    release_rows, per_commit = releases.analyse(
        tags, history, settings["release_pattern"], settings["failure_days"]
    )
    report.tags_not_releases = releases.not_releases(tags, settings["release_pattern"])
    changed = [
        {"commit_id": cid, **values}
        for cid, values in per_commit.items()
        if any(rows[cid][k] != v for k, v in values.items())
    ]
    with transaction(engine) as conn:
        conn.execute(delete(models.Release).where(models.Release.repo_id == repo_id))
        insert_rows(conn, models.Release.__table__, [{"repo_id": repo_id, **row} for row in release_rows])
        _update(conn, changed, RELEASE_COLUMNS)
    report.releases = len(release_rows)
    report.change_failures = sum(1 for row in release_rows if row["change_failure"])


def _save(engine: Engine, repo_id: int, settings: dict[str, Any]) -> None:
    state = models.DeliveryState.__table__
    with transaction(engine) as conn:
        conn.execute(delete(state).where(state.c.repo_id == repo_id))
        conn.execute(state.insert(), {"repo_id": repo_id, "settings": json.dumps(settings, sort_keys=True)})


def refresh(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    options: DeliveryOptions,
    workers: int | None = None,
) -> DeliveryReport:
    """Bring the repository's delivery signals up to date with its stored commits."""
    report = DeliveryReport()
    stored = stored_settings(engine, repo_id)
    settings = resolve_settings(git, head, options, stored)
    with timed(report.seconds, "identities"):
        identities_changed = stored.get("mailmap") != settings["mailmap"]
        if identities_changed:
            report.identities_updated = identities.reresolve(
                engine, git.git_dir, repo_id, head, settings["mailmap_enabled"]
            )
    with timed(report.seconds, "kinds"):
        pattern_changed = (
            stored.get("bugfix_pattern", messages.DEFAULT_BUGFIX_PATTERN) != settings["bugfix_pattern"]
        )
        rule_changed = (
            bool(stored) and stored.get("bugfix_rule") != settings["bugfix_rule"]
        )  # an older qroi's store
        report.fixes_relabelled = refresh_kinds(
            engine, git, repo_id, settings["bugfix_pattern"], pattern_changed or rule_changed
        )
    with timed(report.seconds, "load"):
        history = report.history = StoredHistory.load(engine, repo_id)
        rows = _feature_rows(engine, repo_id)
    with timed(report.seconds, "features"):
        report.features = _features(engine, git, repo_id, history, rows, identities_changed and bool(rows))
    with timed(report.seconds, "rework"):
        report.rework = _rework(
            engine,
            git,
            repo_id,
            history,
            rows,
            settings["rework_days"],
            stored.get("rework_days") not in (None, settings["rework_days"]),
        )
    with timed(report.seconds, "szz"):
        _szz(
            engine,
            git,
            repo_id,
            history,
            rows,
            settings["szz_ignore"],
            stored.get("szz_ignore") not in (None, settings["szz_ignore"]),
            workers,
            report,
        )
    if settings["dmm"]:
        with timed(report.seconds, "dmm"):
            report.dmm = _dmm(engine, git, history, rows, workers)
    with timed(report.seconds, "releases"):
        _releases(engine, git, repo_id, history, rows, settings, report)
    _save(engine, repo_id, settings)
    return report
