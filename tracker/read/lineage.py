"""A file followed through renames and moves: its *lineage*, the one rule behind every per-file
figure that crosses a rename (the claim test's panel, the hotspots, File history).

The rule, on the main line's diffs in order (the main line is the first-parent chain of the
ingested HEAD; its diffs are the stored commit changes and the merges' diffs against their first
parent, never git asked again): a rename (git's rename detection, as mined) continues the old
path's lineage; an add starts a new one (a copy, a split, or a path used again after its file was
renamed away or deleted is another file); a lineage is named by the file's first path
(`path@time` when a path is reused). Commits off the main line touch the lineage their path has
at that time on the main line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.store import models
from qroi.store.database import repo_id

Lineage = Callable[[str, int], str]
"""(path, unix time) -> the id of the file's line of history that has that path at that time."""

LATEST = 2**62
"""A moment after every commit: `lineage_of(path, LATEST)` is the lineage a path has now."""

GONE = "\0(no longer at HEAD)"
"""Appended to the lineage of a change to a file not at HEAD (see `followed`)."""

Diffs = dict[int, list[tuple[str, str | None, str, str | None, bool]]]


def mainline_of(commits: pd.DataFrame, head: str) -> list[int]:
    """Commit ids of the first-parent chain from HEAD back to the root, oldest first."""
    by_sha = dict(zip(commits["sha"], zip(commits["id"], commits["parents"], strict=True), strict=True))
    chain = []
    sha: str | None = head
    while sha in by_sha:
        commit_id, parents = by_sha[sha]
        chain.append(commit_id)
        sha = parents.split()[0] if parents else None
    return chain[::-1]


def diffs_of(engine: Engine, rid: int) -> Diffs:
    """Per commit id, its diff against the first parent: (path, old_path, type, new_blob, is_python)."""
    out: Diffs = {}
    with engine.connect() as conn:
        for table in (models.Change, models.MergeChange):
            rows = conn.execute(
                select(
                    table.commit_id,
                    table.path,
                    table.old_path,
                    table.change_type,
                    table.new_blob,
                    table.is_python,
                )
                .where(table.repo_id == rid)
                .order_by(table.commit_id, table.id)
            )
            for commit_id, path, old_path, kind, blob, is_python in rows:
                out.setdefault(commit_id, []).append((path, old_path, kind, blob, is_python))
    return out


class Lineages:
    """The lineage of every path of the main line over time (see the module doc for the rule)."""

    def __init__(self, spans: dict[str, tuple[list[int], list[str]]]) -> None:
        self._spans = spans
        self._paths: dict[str, list[str]] = {}
        for path, (_, names) in spans.items():
            for name in dict.fromkeys(names):
                self._paths.setdefault(name, []).append(path)

    def __call__(self, path: str, moment: int) -> str:
        if path not in self._spans:
            return path
        at, names = self._spans[path]
        return names[max(bisect_right(at, moment) - 1, 0)]

    def paths(self, lineage: str) -> list[str]:
        """Every path the lineage had on the main line (just `lineage` for a path never on it)."""
        return self._paths.get(lineage, [lineage])


def lineages(mainline: list[int], times: dict[int, int], diffs: Diffs) -> Lineages:
    """Follow every file of the main line through its renames (the rule is in the module doc)."""
    alive: dict[str, str] = {}
    spans: dict[str, tuple[list[int], list[str]]] = {}
    for commit_id in mainline:
        moment = times[commit_id]
        for path, old_path, kind, _blob, _is_python in diffs.get(commit_id, ()):
            if kind == "delete":
                alive.pop(path, None)
                continue
            if kind == "rename" and old_path:
                lineage = alive.pop(old_path, None) or _latest(spans, old_path) or old_path
            elif kind == "add":
                lineage = path if path not in spans else f"{path}@{moment}"
            else:
                lineage = alive.get(path) or _latest(spans, path) or path
            alive[path] = lineage
            at, names = spans.setdefault(path, ([], []))
            if not names or names[-1] != lineage:
                at.append(moment)
                names.append(lineage)
    return Lineages(spans)


def _latest(spans: dict[str, tuple[list[int], list[str]]], path: str) -> str | None:
    return spans[path][1][-1] if path in spans else None


def of_repo(engine: Engine, repo: str) -> Lineages:
    """The lineages of a stored repository's main line (from its stored HEAD)."""
    rid = repo_id(engine, repo)
    c = models.Commit
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(c.id), col(c.sha), col(c.parents), col(c.committed_ts))
            .where(col(c.repo_id) == rid)
            .order_by(col(c.generation), col(c.committed_ts), col(c.sha))
        ).all()
        head = conn.execute(select(col(models.Repo.head_sha)).where(col(models.Repo.id) == rid)).scalar()
    if not rows:
        return Lineages({})
    commits = pd.DataFrame(rows, columns=["id", "sha", "parents", "committed_ts"])
    times = dict(zip(commits["id"], commits["committed_ts"], strict=True))
    return lineages(mainline_of(commits, head or str(commits["sha"].iloc[-1])), times, diffs_of(engine, rid))


def current_paths(lineage_of: Lineages, head_paths: list[str] | pd.Series) -> dict[str, str]:
    """Lineage -> its path at HEAD, for the files at HEAD."""
    return {lineage_of(p, LATEST): p for p in head_paths}


def followed(
    engine: Engine, repo: str, changes: pd.DataFrame, head_paths: list[str] | pd.Series
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """`changes` (with `path`, `authored_ts`) with `path` replaced by the HEAD path of the change's
    lineage, so that grouping by path counts a file through its renames; a change to a file no
    longer at HEAD gets its lineage plus `GONE`, which no HEAD path equals (the file that had a
    HEAD path before it was deleted and the path used again is another file). Also: HEAD path ->
    the earlier paths of its lineage, oldest first.

    The change's lineage is read at its authored time, as the claim test's panel reads it.
    """
    lineage_of = of_repo(engine, repo)
    now = current_paths(lineage_of, head_paths)
    moved = changes.copy()
    found = (lineage_of(p, int(t)) for p, t in zip(changes["path"], changes["authored_ts"], strict=True))
    moved["path"] = [now.get(lin, lin + GONE) for lin in found]
    earlier = {path: [p for p in lineage_of.paths(lin) if p != path] for lin, path in now.items()}
    return moved, earlier
