"""What the miner stores equals what git itself reports, commit by commit and file by file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from qroi.git.log import parse_tz
from qroi.read import queries
from tests.conftest import git


def git_numstat(repo: Path) -> dict[str, dict[str, tuple[int | None, int | None]]]:
    """`git log --numstat -M` (the miner's rename setting) for every non-merge commit."""
    out = git(repo, "log", "--no-merges", "--numstat", "-M", "-z", "--format=%x01%H")
    commits: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for block in out.split("\x01")[1:]:
        sha, _, rest = block.partition("\0")
        tokens = rest.split("\0")
        files: dict[str, tuple[int | None, int | None]] = {}
        i = 0
        while i < len(tokens):
            token = tokens[i].lstrip("\n")
            if not token:
                i += 1
                continue
            added, deleted, path = token.split("\t", 2)
            if not path:  # rename: old and new path follow
                path = tokens[i + 2]
                i += 3
            else:
                i += 1
            files[path] = (None if added == "-" else int(added), None if deleted == "-" else int(deleted))
        commits[sha.strip()] = files
    return commits


def test_per_file_counts_equal_git_numstat(demo_repo: Path, demo_engine: Engine) -> None:
    truth = git_numstat(demo_repo)
    changes = queries.changes(demo_engine, "widget")
    stored: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for row in changes.itertuples():
        added = None if pd.isna(row.added) else int(row.added)
        deleted = None if pd.isna(row.deleted) else int(row.deleted)
        stored.setdefault(row.sha, {})[row.path] = (added, deleted)
    non_merge_with_files = {sha: files for sha, files in truth.items() if files}
    assert stored == non_merge_with_files
    assert sum(len(f) for f in truth.values()) == len(changes)


def test_commit_totals_match_git(demo_repo: Path, demo_engine: Engine) -> None:
    truth = git_numstat(demo_repo)
    commits = queries.commits(demo_engine, "widget").set_index("sha")
    merges = commits[commits["is_merge"]]
    assert len(merges) > 5
    # Merge policy: merges carry no churn of their own.
    assert (merges[["insertions", "deletions", "files_changed"]] == 0).all().all()
    for sha, files in truth.items():
        row = commits.loc[sha]
        assert row["files_changed"] == len(files)
        assert row["insertions"] == sum(a or 0 for a, _ in files.values())
        assert row["deletions"] == sum(d or 0 for _, d in files.values())


def test_every_commit_with_its_metadata(demo_repo: Path, demo_engine: Engine) -> None:
    fmt = "%H%x00%P%x00%aN%x00%aE%x00%ad%x00%cN%x00%cE%x00%cd"  # identities through .mailmap, as stored
    out = git(demo_repo, "log", "--date=raw", f"--format={fmt}")
    commits = queries.commits(demo_engine, "widget").set_index("sha")
    lines = out.strip().split("\n")
    assert len(lines) == len(commits) == int(git(demo_repo, "rev-list", "--count", "HEAD"))
    zones = set()
    for line in lines:
        sha, parents, an, ae, ad, cn, ce, cd = line.split("\0")
        row = commits.loc[sha]
        assert row["parents"] == parents
        assert bool(row["is_merge"]) == (len(parents.split()) > 1)
        assert (row["author_name"], row["author_email"], row["committer_name"], row["committer_email"]) == (
            an,
            ae,
            cn,
            ce,
        )
        ts, tz = ad.split()
        assert (row["authored_ts"], row["author_tz"]) == (int(ts), parse_tz(tz))
        ts, tz = cd.split()
        assert (row["committed_ts"], row["committer_tz"]) == (int(ts), parse_tz(tz))
        zones.add(tz)
    assert len(zones) >= 3


def test_renames_and_blob_ids(demo_repo: Path, demo_engine: Engine) -> None:
    changes = queries.changes(demo_engine, "widget")
    renames = changes[changes["change_type"] == "rename"]
    assert len(renames) >= 2
    for row in renames.head(5).itertuples():
        assert git(demo_repo, "rev-parse", f"{row.sha}:{row.path}").strip() == row.new_blob
        assert git(demo_repo, "rev-parse", f"{row.sha}^:{row.old_path}").strip() == row.old_blob
    deletes = changes[changes["change_type"] == "delete"]
    assert len(deletes) and deletes["new_blob"].isna().all()


def test_topological_order(demo_engine: Engine) -> None:
    commits = queries.commits(demo_engine, "widget")
    position = {sha: i for i, sha in enumerate(commits["sha"])}
    for sha, parents in zip(commits["sha"], commits["parents"], strict=True):
        assert all(position[p] < position[sha] for p in parents.split())
