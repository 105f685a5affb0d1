"""Rework: lines deleted (or changed) within N days of being added, from one streamed diff.

Definition (README, "Delivery signals"): a line that commit A added is *reworked* by commit D
when D deletes or changes it and D's author time is at most N days (default 21) after A's. Line
identity follows each diff, exactly as `git diff -U0` (the diff `--numstat` counts) reports
it, through renames; a line a revert brings back counts as added by the revert. Merges add and
delete nothing of their own: a line a merge takes from its second parent keeps its origin there,
and lines made while resolving a conflict have no origin and are never counted.

How: every commit's hunks (a merge's against each parent) come from one `git diff-tree --stdin -p
-U0` process, in canonical order. The state is, per file version (path and blob, as git blame follows one path), the runs of
lines that are still young (added recently enough to matter), as (start, end, origin); a hunk
maps the old version's runs onto the new version's, and the deleted part of a run is rework when
its origin is young enough. Only young runs are kept, so
memory stays bounded on any history length.

Incremental: rework of a new commit depends only on commits at most N days older. A later ingest
re-streams the commits whose author or committer time falls within N days + SLACK before the
oldest commit still to do, and records rework only for the commits still to do. This equals a
full pass as long as no commit's dates run more than SLACK behind its ancestors' (rebases and
clock skew of days, not months).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from qroi.git import patches
from qroi.git.patches import FilePatch, Hunk
from qroi.store.history import StoredCommit, StoredHistory

DAY = 86_400
SLACK = 30 * DAY
PRUNE_EVERY = 256
_END = 1 << 62

Run = tuple[int, int, int]  # first line, line after the last, origin index


def _segments(hunks: Sequence[Hunk]) -> list[tuple[int, int, int | None]]:
    """The old file cut by the hunks: (first, after-last, shift to the new line number or None if deleted)."""
    segments: list[tuple[int, int, int | None]] = []
    pos, shift = 1, 0
    for hunk in hunks:
        if hunk.old_len:
            if hunk.old_start > pos:
                segments.append((pos, hunk.old_start, shift))
            segments.append((hunk.old_start, hunk.old_start + hunk.old_len, None))
            pos = hunk.old_start + hunk.old_len
        else:  # pure insertion after old line old_start
            if hunk.old_start + 1 > pos:
                segments.append((pos, hunk.old_start + 1, shift))
            pos = hunk.old_start + 1
        shift += hunk.new_len - hunk.old_len
    segments.append((pos, _END, shift))
    return segments


def _cut(runs: list[Run], hunks: Sequence[Hunk]) -> tuple[list[Run], list[Run]]:
    """Runs of the old blob moved to their place in the new one, and the deleted pieces (old numbers)."""
    if not hunks:
        return list(runs), []
    segments = _segments(hunks)
    kept: list[Run] = []
    gone: list[Run] = []
    i = 0
    for start, end, origin in runs:
        while segments[i][1] <= start:
            i += 1
        j = i
        while j < len(segments) and segments[j][0] < end:
            lo, hi = max(start, segments[j][0]), min(end, segments[j][1])
            shift = segments[j][2]
            if shift is None:
                gone.append((lo, hi, origin))
            else:
                kept.append((lo + shift, hi + shift, origin))
            j += 1
    return kept, gone


def remap(runs: list[Run], hunks: list[Hunk]) -> tuple[list[Run], Counter[int]]:
    """Runs of the old blob moved to their place in the new one, and deleted lines per origin."""
    kept, gone = _cut(runs, hunks)
    deleted: Counter[int] = Counter()
    for lo, hi, origin in gone:
        deleted[origin] += hi - lo
    return kept, deleted


def inserted(hunks: Sequence[Hunk]) -> list[tuple[int, int]]:
    """New-side line ranges the hunks add."""
    return [(h.new_start, h.new_start + h.new_len) for h in hunks if h.new_len]


def _punch(ranges: list[tuple[int, int]], holes: Sequence[int]) -> list[tuple[int, int]]:
    """`ranges` without the line numbers in `holes` (sorted)."""
    out = []
    for lo, hi in ranges:
        start = lo
        for n in holes[bisect_left(holes, lo) : bisect_left(holes, hi)]:
            if n > start:
                out.append((start, n))
            start = n + 1
        if start < hi:
            out.append((start, hi))
    return out


def _clip(runs: list[Run], ranges: list[tuple[int, int]]) -> list[Run]:
    """The parts of `runs` inside `ranges` (both sorted)."""
    out = []
    for start, end, origin in runs:
        for lo, hi in ranges:
            a, b = max(start, lo), min(end, hi)
            if a < b:
                out.append((a, b, origin))
    return out


def _intersect(left: list[tuple[int, int]], right: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(max(a, c), min(b, d)) for a, b in left for c, d in right if max(a, c) < min(b, d)]


def _normal(runs: Iterable[Run]) -> list[Run]:
    """Sorted, with touching runs of one origin merged."""
    out: list[Run] = []
    for run in sorted(runs):
        if out and out[-1][1] == run[0] and out[-1][2] == run[2]:
            out[-1] = (out[-1][0], run[1], run[2])
        else:
            out.append(run)
    return out


Version = tuple[str | None, str | None]  # (path, blob)
Moved = tuple[Sequence[int], Sequence[int]]  # (old line numbers moved out, new line numbers moved in)


class ReworkTracker:
    """Young-line runs per file version, fed commit by commit in canonical order."""

    def __init__(self, days: float) -> None:
        self.window = int(days * DAY)
        self.versions: dict[Version, list[Run]] = {}
        self.origins: list[tuple[int, int]] = []  # (commit id, author time)
        self.latest = 0
        self.fed = 0

    def _store(self, version: Version, runs: list[Run]) -> None:
        if version[1] is None:
            return
        if runs:
            self.versions[version] = _normal(runs)
        else:
            self.versions.pop(version, None)

    def feed(
        self,
        commit: StoredCommit,
        diffs: list[FilePatch],
        record: bool,
        moved: Mapping[str, Moved] | None = None,
    ) -> list[tuple[int, str, int]]:
        """Apply one commit's diffs; with `record`, return its rework as (origin commit id, path, lines).

        `moved` (churn, `qroi.ai.ai_step`) names, per path, the lines the commit moved (old line
        numbers deleted, new line numbers added, sorted): their deletion is not counted, and the
        moved copies get no origin, so deleting them later is nobody's rework either.
        """
        self.fed += 1
        self.latest = max(self.latest, commit.authored_ts)
        if self.fed % PRUNE_EVERY == 0:
            self._prune()
        if commit.is_merge:
            self._merge(diffs, len(commit.parents))
            return []
        origin = len(self.origins)
        self.origins.append((commit.id, commit.authored_ts))
        found: Counter[tuple[int, str]] = Counter()
        for change in commit.changes:  # a pure rename prints no blob ids: move its runs here
            if change.change_type == "rename" and change.old_blob == change.new_blob:
                self._store(
                    (change.path, change.new_blob), self.versions.get((change.old_path, change.old_blob), [])
                )
        for diff in diffs:
            if diff.parent or diff.mode == "160000":
                continue
            new = (diff.new_path, diff.new_blob)
            if diff.binary:
                self._store(new, [])
                continue
            kept, gone = _cut(self.versions.get((diff.old_path, diff.old_blob), []), diff.hunks)
            moved_out, moved_in = moved.get(diff.path or "", ((), ())) if moved else ((), ())
            self._store(new, kept + [(lo, hi, origin) for lo, hi in _punch(inserted(diff.hunks), moved_in)])
            if record:
                for lo, hi, source in gone:
                    lines = hi - lo - (bisect_left(moved_out, hi) - bisect_left(moved_out, lo))
                    commit_id, when = self.origins[source]
                    if lines and 0 <= commit.authored_ts - when <= self.window:
                        found[(commit_id, diff.path or "")] += lines
        return [(commit_id, path, lines) for (commit_id, path), lines in sorted(found.items())]

    def _merge(self, diffs: list[FilePatch], parents: int) -> None:
        """A file changed against every parent is a new version: each line keeps the origin it has
        on the first side where it is unchanged; lines new to every side (conflict work) get none."""
        sides: dict[Version, dict[int, FilePatch]] = {}
        for diff in diffs:
            if diff.new_blob and not diff.binary:
                sides.setdefault((diff.new_path, diff.new_blob), {})[diff.parent] = diff
        for version, by_parent in sides.items():
            if len(by_parent) < parents:
                continue  # equal to some parent's version: that blob already has its runs
            runs: list[Run] = []
            open_ranges = [(1, _END)]
            for parent in range(parents):
                diff = by_parent[parent]
                kept, _ = remap(self.versions.get((diff.old_path, diff.old_blob), []), diff.hunks)
                runs += _clip(kept, open_ranges)
                open_ranges = _intersect(open_ranges, inserted(diff.hunks))
            self._store(version, runs)

    def _prune(self) -> None:
        cutoff = self.latest - self.window - SLACK
        for version in list(self.versions):
            runs = [run for run in self.versions[version] if self.origins[run[2]][1] >= cutoff]
            self._store(version, runs)


def _grouped(diffs: Iterator[FilePatch]) -> Iterator[tuple[str, list[FilePatch]]]:
    sha, group = None, []
    for diff in diffs:
        if diff.sha != sha:
            if sha is not None:
                yield sha, group
            sha, group = diff.sha, []
        group.append(diff)
    if sha is not None:
        yield sha, group


def walk(history: StoredHistory, todo: set[int], days: float) -> list[StoredCommit]:
    """The commits a pass over `todo` must feed: those, and every commit dated within `days` + SLACK
    before the oldest of them (where the lines they may delete were written), in canonical order."""
    todo_commits = [c for c in history.commits if c.id in todo]
    if not todo_commits:
        return []
    since = min(c.authored_ts for c in todo_commits) - int(days * DAY) - SLACK
    return [c for c in history.commits if c.id in todo or max(c.authored_ts, c.committed_ts) >= since]


def diffs_along(
    git_dir: str, commits: list[StoredCommit], *, keep_text: bool = False
) -> Iterator[tuple[StoredCommit, list[FilePatch]]]:
    """Each commit with its `-U0` diffs (a merge's against every parent), from one diff-tree stream.

    The stream follows the commits' order; a commit with an empty diff gets an empty list.
    `keep_text` keeps both sides' line text (for `qroi.ai.lineops`).
    """
    if not commits:
        return
    wanted = [request for c in commits for request in patches.requests(c.sha, c.parents)]
    groups = _grouped(patches.stream(git_dir, wanted, keep_deleted=keep_text, keep_added=keep_text))
    upcoming = next(groups, None)
    for commit in commits:
        diffs: list[FilePatch] = []
        if upcoming is not None and upcoming[0] == commit.sha:
            diffs, upcoming = upcoming[1], next(groups, None)
        yield commit, diffs


def compute(
    git_dir: str, history: StoredHistory, todo: set[int], days: float
) -> dict[int, list[tuple[int, str, int]]]:
    """Rework of the commits in `todo` (ids): per commit, (origin commit id, path, lines)."""
    tracker = ReworkTracker(days)
    out: dict[int, list[tuple[int, str, int]]] = {
        c.id: [] for c in history.commits if c.id in todo and not c.is_merge
    }
    for commit, diffs in diffs_along(git_dir, walk(history, todo, days)):
        found = tracker.feed(commit, diffs, commit.id in out)
        if commit.id in out:
            out[commit.id] = found
    return out
