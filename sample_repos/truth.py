"""The ground-truth manifest: facts planted in a sample repository that git itself cannot tell.

Git can say which commits are merges or what a tag points at, and tests should ask git for that.
It cannot say which messages were *meant* as bug fixes, which issue each reference names, which
file was planted as hostile and why, or which commit a revert undid by intent. Those go here, in
`.git/qroi-truth.json`, outside the work tree so that mining the repository never sees them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qroi.sample_repos.history import TRUNK, Commit, History, Person

FORMAT = 1
FILENAME = "qroi-truth.json"


def resolve(value: Any) -> Any:
    """Turn Commits into shas (and planted objects into JSON) anywhere inside a note."""
    if isinstance(value, Commit):
        return value.sha
    if isinstance(value, dict):
        return {str(key): resolve(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item) for item in value]
    if hasattr(value, "as_json"):
        return value.as_json()
    return value


def _people(history: History) -> list[Person]:
    seen: dict[tuple[str, str], Person] = {}
    for person in history.team:
        seen.setdefault((person.name, person.email), person)
    for commit in history.commits:
        for person in (commit.author, commit.committer):
            seen.setdefault((person.name, person.email), person)
    return list(seen.values())


def manifest(history: History, about: dict[str, Any]) -> dict[str, Any]:
    """Everything planted, keyed by sha; `about` describes the build (scenario, seed, sizes)."""
    commits = history.commits
    trunk = history.branches[TRUNK].tip
    return {
        "format": FORMAT,
        **about,
        "trunk": TRUNK,
        "head": trunk.sha if trunk else None,
        "commit_count": len(commits),
        "people": [person.as_json() for person in _people(history)],
        "bugfix_commits": [c.sha for c in commits if c.message.bugfix],
        "issue_refs": {c.sha: resolve(c.message.refs) for c in commits if c.message.refs},
        "reverts": {c.sha: c.revert_of.sha for c in commits if c.revert_of is not None},
        "merges": [
            {
                "commit": m.commit.sha,
                "parents": [p.sha for p in m.commit.parents],
                "branch": m.branch,
                "trunk_moved": m.trunk_moved,
            }
            for m in history.merges
        ],
        "tags": {t.name: {"target": t.target.sha, "annotated": t.annotated} for t in history.tags},
        "branches": {
            "kept": {name: b.tip.sha for name, b in history.branches.items() if b.tip is not None},
            "deleted_after_merge": history.deleted_branches,
        },
        "notes": resolve(history.notes),
    }


def write(git_dir: Path, data: dict[str, Any]) -> Path:
    """Sorted keys and a trailing newline: two builds of one scenario give identical files."""
    path = git_dir / FILENAME
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load(repo: Path) -> dict[str, Any]:
    """Read a sample repository's manifest (normal or bare layout)."""
    for candidate in (repo / ".git" / FILENAME, repo / FILENAME):
        if candidate.exists():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no {FILENAME} in {repo}")
