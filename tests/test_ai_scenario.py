"""The `ai_era` sample repository: real git diffs classified against the scenario's planted truth.

The diffs come from the product's `git diff-tree --stdin -p -U0` stream, parsed by
`qroi.git.patches` (bench/lineops.py's walk, which the benchmark measures), identities and
messages from the miner, rework from the real ReworkTracker fed by the same stream. Every number compared here was written down by the scenario when it made the
commit (sample_repos/scenarios/ai_era.py), never computed by the code under test.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from bench.lineops import Classified, Walk
from qroi.ai import declared
from qroi.ai.duplication import duplicated_share, split_lines
from qroi.analysis.ai_event import event_study, monthly_metrics
from qroi.delivery.rework import ReworkTracker
from qroi.git import patches
from qroi.git.log import CommitRecord, iter_commits
from qroi.sample_repos import truth
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.ai_era import FIELDS, SCRIPTED
from qroi.store.history import StoredChange, StoredCommit


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("ai_era", tmp_path_factory.mktemp("repos") / "ai_era")


@pytest.fixture(scope="module")
def manifest(repo: Path) -> dict:
    return truth.load(repo)


@pytest.fixture(scope="module")
def walked(repo: Path) -> tuple[list[Classified], Walk]:
    walk = Walk(repo)
    return list(walk.commits()), walk


@pytest.fixture(scope="module")
def records(repo: Path) -> list[CommitRecord]:
    return list(iter_commits(str(repo / ".git")))


def test_every_commit_gets_its_planted_line_operations(
    manifest: dict, walked: tuple[list[Classified], Walk]
) -> None:
    planted = {note["commit"]: note for note in manifest["notes"]["lineops"]}
    commits, _ = walked
    assert len(commits) == len(planted) == SCRIPTED
    for item in commits:
        note = planted[item.sha]
        result = item.result
        assert result is not None, note["name"]
        assert {f: getattr(result.ops, f) for f in FIELDS} == note["totals"], note["name"]
        assert result.skipped == note["skipped"], note["name"]
        assert result.duplicated_block is note["duplicated_block"], note["name"]
        if note["files"] is not None:
            got = {f.path: {k: getattr(f.ops, k) for k in FIELDS} for f in result.files}
            assert got == note["files"], note["name"]
    names = [note["name"] for note in manifest["notes"]["lineops"]]
    assert names[:12] == [f"L{i}" for i in range(1, 13)]  # every hand-written case is among them


def test_line_counts_match_git_numstat(repo: Path, walked: tuple[list[Classified], Walk]) -> None:
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--numstat", "-M", "--format=%x00%H"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    numstat: dict[str, tuple[int, int]] = {}
    for block in out.split("\0")[1:]:
        sha, *rows = block.strip("\n").split("\n")
        counts = [row.split("\t")[:2] for row in rows if row and not row.startswith("-\t")]
        numstat[sha] = (sum(int(a) for a, _ in counts), sum(int(d) for _, d in counts))
    for item in walked[0]:
        assert item.result is not None
        assert (item.result.ops.lines_added, item.result.ops.lines_deleted) == numstat[item.sha]


def test_the_walk_rebuilds_every_text_file_at_head(repo: Path, walked: tuple[list[Classified], Walk]) -> None:
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    text = {}
    for row in listing:
        meta, path = row.split("\t")
        data = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "blob", meta.split()[2]], capture_output=True, check=True
        ).stdout
        if b"\0" not in data:
            text[path] = tuple(split_lines(data))
    assert walked[1].head_tree == text and "assets/logo.png" not in text


def test_declared_assistance_matches_the_planted_flags(manifest: dict, records: list[CommitRecord]) -> None:
    planted = {note["commit"]: note for note in manifest["notes"]["ai_declared"]}
    assert len(records) == len(planted)
    flagged = Counter()
    for record in records:
        note = planted[record.sha]
        found = declared.classify(
            record.message,
            record.author_name,
            record.author_email,
            record.committer_name,
            record.committer_email,
        )
        assert (found.flagged, found.automated) == (note["flagged"], note["automated"]), note["name"]
        assert [m.rule for m in found.matches] == note["rules"], note["name"]
        flagged[found.category] += 1
    near_misses = [note for note in manifest["notes"]["ai_declared"] if note["name"].startswith("N")]
    assert len(near_misses) == 8 and flagged["bot"] == 1 and flagged["ai"] > 10


def _stored(records: list[CommitRecord]) -> list[StoredCommit]:
    out = []
    for i, r in enumerate(records):
        commit = StoredCommit(
            i,
            r.sha,
            r.parents,
            r.authored_ts,
            r.committed_ts,
            r.author_email,
            r.is_merge,
            False,
            False,
            None,
            i,
        )
        commit.changes = [
            StoredChange(
                c.path, c.old_path, c.change_type, c.added, c.deleted, c.old_blob, c.new_blob, c.is_python
            )
            for c in r.changes
        ]
        out.append(commit)
    return out


@pytest.mark.parametrize("days", [14, 21])
def test_churn_within_the_window_matches_the_planted_rewrites(
    repo: Path, manifest: dict, records: list[CommitRecord], days: int
) -> None:
    commits = _stored(records)
    by_sha = {c.sha: c for c in commits}
    diffs: dict[str, list[patches.FilePatch]] = {}
    for diff in patches.stream(str(repo / ".git"), [patches.Request(c.sha) for c in commits]):
        diffs.setdefault(diff.sha, []).append(diff)
    tracker = ReworkTracker(days)
    found: Counter[tuple[str, str]] = Counter()
    for commit in commits:
        for origin, path, lines in tracker.feed(commit, diffs.get(commit.sha, []), record=True):
            if path == "src/aiera/churn.py":
                found[(commit.sha, commits[origin].sha)] += lines
    planted = Counter(
        {
            (n["commit"], n["origin"]): n["lines"]
            for n in manifest["notes"]["churn"]
            if n["window_days"] == days
        }
    )
    assert found == planted
    assert all(by_sha[d].authored_ts - by_sha[o].authored_ts <= days * 86_400 for d, o in found)


def test_monthly_copy_share_and_its_level_shift_at_the_adoption_date(
    manifest: dict, records: list[CommitRecord], walked: tuple[list[Classified], Walk]
) -> None:
    times = {r.sha: r.authored_ts for r in records}
    flags = {n["commit"]: n["flagged"] for n in manifest["notes"]["ai_declared"]}
    rows = []
    for item in walked[0]:
        assert item.result is not None
        ops = item.result.ops
        rows.append(
            {
                "authored_at": times[item.sha],
                "added": ops.added,
                "deleted": ops.deleted,
                "updated": ops.updated,
                "moved": ops.moved,
                "copy_pasted": ops.copy_pasted,
                "ai": flags[item.sha],
                "duplicated_block": item.result.duplicated_block,
            }
        )
    monthly = monthly_metrics(pd.DataFrame(rows)).set_index("month")
    planted = pd.DataFrame(manifest["notes"]["ai_monthly"]).set_index("month")
    assert len(planted) == 30
    got = monthly.loc[planted.index]
    assert list(got["copy_paste_share"]) == pytest.approx(list(planted["copy_share"]))
    assert list(got["ai_commits"]) == list(planted["ai_commits"])
    assert list(got["operations"]) == list(planted["operations"])

    event = manifest["notes"]["ai_event"][0]
    change = event_study(got.reset_index(), event["date"], ["copy_paste_share"])["copy_paste_share"]
    realized = event["mean_share_after"] - event["mean_share_before"]
    assert change.verdict in ("Level shift", "Level and slope change"), change.explanation
    assert change.its.level_ci_low < realized < change.its.level_ci_high and change.its.level_ci_low > 0
    assert (change.its.n_pre, change.its.n_post) == (event["months_before"], event["months_after"])


def test_duplicated_block_share_at_the_end_of_each_planted_month(
    manifest: dict, records: list[CommitRecord], walked: tuple[list[Classified], Walk]
) -> None:
    month_of = {r.sha: pd.Timestamp(r.authored_ts, unit="s").strftime("%Y-%m") for r in records}
    last_tree = {
        month_of[item.sha]: item.tree for item in walked[0]
    }  # walked in order: the month's last wins
    for note in manifest["notes"]["ai_monthly"]:
        result = duplicated_share(last_tree[note["month"]])
        assert (result.lines, result.duplicated_lines) == (note["python_lines"], note["duplicated_lines"]), (
            note
        )
    last = manifest["notes"]["ai_monthly"][-1]  # the last planted month ends at HEAD
    assert duplicated_share(walked[1].head_tree).share == pytest.approx(
        last["duplicated_lines"] / last["python_lines"]
    )


def test_more_commits_than_scripted_add_random_work_after_the_planted_months(
    tmp_path: Path, manifest: dict
) -> None:
    bigger = build("ai_era", tmp_path / "bigger", commits=SCRIPTED + 6)
    extended = truth.load(bigger)
    assert extended["commit_count"] == SCRIPTED + 6
    assert extended["notes"]["lineops"] == manifest["notes"]["lineops"]  # same planted commits, same shas
    last_planted = max(n["month"] for n in manifest["notes"]["ai_monthly"])
    dates = subprocess.run(
        ["git", "-C", str(bigger), "log", "-6", "--format=%ad", "--date=format:%Y-%m"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(d > last_planted for d in dates)
