"""Releases from tags: lead time, release frequency, change failure, reverted commits.

The DORA delivery measures, computed from the store and the tag list alone, so they are cheap to
rebuild on every ingest (a tag can be added to an old commit at any time):

- a release is a tag whose name matches the release pattern (by default a version number of two
  to four parts joined by `.` or `_`, with an optional `v` or a `name-` / `name_` / `name/`
  prefix, as real projects tag them: `v1.2.3`, `1.2`, `widget-2.0.1`, `release-1.2`, `rel_1_4_0`,
  calendar versions such as `2024.05.1`; never a pre-release such as `v1.0.0-rc1` or `2.0b1`, nor
  `nightly`); its time is the tag's (the tagger's for an annotated tag, the tagged commit's
  committer time for a lightweight one); the ingest says which tags were not taken;
- a commit's first release is the earliest release whose tagged commit contains it; its lead
  time is that release's time minus the commit's author time;
- a release is a change failure when, within N days (default 14) after it, a patch release of
  the same major.minor line follows, or a commit first shipped in it is reverted;
- a commit is reverted later when a stored revert names it (`This reverts commit <sha>`); time to
  revert is the first such revert's author time minus the commit's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qroi.core.errors import QroiError
from qroi.git.repository import TagInfo
from qroi.store.history import StoredHistory

DAY = 86_400
DEFAULT_RELEASE_PATTERN = r"(?:[A-Za-z][\w.-]*?[-_/])?[vV]?\d+(?:[._]\d+){1,3}"
PREVIOUS_DEFAULTS = (r"(?:[A-Za-z][\w.-]*[-_/])?[vV]?\d+(?:\.\d+){1,3}",)
"""Defaults of older qroi versions: a store that remembers one of them gets today's default."""
_VERSION = re.compile(r"\d+(?:[._]\d+)+")


def release_regex(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (matched against the whole tag name); a clear error if it is invalid."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise QroiError(f"--release-pattern is not a valid regular expression: {exc}") from exc


def version_of(tag: str) -> tuple[int, ...] | None:
    """The last dotted number in a tag name: 'widget-1.2.3' -> (1, 2, 3)."""
    found = _VERSION.findall(tag)
    return tuple(int(part) for part in re.split(r"[._]", found[-1])) if found else None


def not_releases(tags: Sequence[TagInfo], pattern: str) -> list[str]:
    """Names of the tags the pattern does not take as releases (said after ingest)."""
    regex = release_regex(pattern)
    return sorted(t.name for t in tags if not regex.fullmatch(t.name))


@dataclass
class ReleaseInfo:
    tag: str
    sha: str
    released_ts: int
    version: tuple[int, ...] | None
    commits: list[int] = field(default_factory=list)  # ids of the commits it ships first

    @property
    def is_patch(self) -> bool:
        return self.version is not None and len(self.version) >= 3 and any(self.version[2:])

    def patches(self, other: ReleaseInfo) -> bool:
        """Whether `other` is a later patch of this release's major.minor line."""
        return (
            self.version is not None
            and other.version is not None
            and len(other.version) >= 3
            and other.version[:2] == self.version[:2]
            and other.version > self.version
        )


def find_releases(tags: Sequence[TagInfo], history: StoredHistory, pattern: str) -> list[ReleaseInfo]:
    """Releases in time order, each with the commits it ships first."""
    regex = release_regex(pattern)
    found = [
        ReleaseInfo(t.name, t.sha, t.tagged_ts, version_of(t.name))
        for t in tags
        if regex.fullmatch(t.name) and t.sha in history.by_sha
    ]
    found.sort(key=lambda r: (r.released_ts, r.version or (), r.tag))
    shipped: set[str] = set()
    for release in found:
        stack = [release.sha]
        while stack:
            sha = stack.pop()
            commit = history.by_sha.get(sha)
            if sha in shipped or commit is None:
                continue  # shipped earlier: so were its ancestors
            shipped.add(sha)
            release.commits.append(commit.id)
            stack.extend(commit.parents)
    return found


def analyse(
    tags: Sequence[TagInfo], history: StoredHistory, pattern: str, failure_days: float
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """Release rows and per-commit columns (first release, lead time, revert) for every commit."""
    releases = find_releases(tags, history, pattern)
    window = int(failure_days * DAY)
    reverts: dict[int, int] = {}  # reverted commit id -> earliest revert author time
    for commit in history.commits:
        target = history.by_sha.get(commit.reverted_sha or "") if commit.is_revert else None
        if target is not None:
            reverts[target.id] = min(reverts.get(target.id, commit.authored_ts), commit.authored_ts)
    per_commit: dict[int, dict[str, Any]] = {
        c.id: {
            "first_release": None,
            "released_ts": None,
            "lead_time_s": None,
            "reverted_later": c.id in reverts,
            "time_to_revert_s": reverts[c.id] - c.authored_ts if c.id in reverts else None,
        }
        for c in history.commits
    }
    rows = []
    for index, release in enumerate(releases):
        for commit_id in release.commits:
            per_commit[commit_id].update(
                first_release=release.tag,
                released_ts=release.released_ts,
                lead_time_s=release.released_ts - history.by_id[commit_id].authored_ts,
            )
        after = release.released_ts
        patch = next(
            (r for r in releases if after < r.released_ts <= after + window and release.patches(r)), None
        )
        reverted = sum(
            1 for cid in release.commits if cid in reverts and after < reverts[cid] <= after + window
        )
        previous = releases[index - 1] if index else None
        rows.append(
            {
                "tag": release.tag,
                "sha": release.sha,
                "released_ts": release.released_ts,
                "version": ".".join(map(str, release.version)) if release.version else None,
                "is_patch": release.is_patch,
                "commits": len(release.commits),
                "previous_tag": previous.tag if previous else None,
                "change_failure": bool(patch or reverted),
                "patched_by": patch.tag if patch else None,
                "reverted_commits": reverted,
            }
        )
    return rows, per_commit
