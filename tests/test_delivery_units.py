"""The delivery signals' building blocks, and rework through a real three-way merge and a rename."""

from __future__ import annotations

import math
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from qroi.core.errors import QroiError
from qroi.delivery.delivery_step import parse_ignore_revs
from qroi.delivery.features import cc_delta as commit_cc_delta
from qroi.delivery.features import count_lines, entropy, recent_experience
from qroi.delivery.issues_import import _Bad, normalise_key, parse_time
from qroi.delivery.releases import DEFAULT_RELEASE_PATTERN, ReleaseInfo, release_regex, version_of
from qroi.delivery.rework import remap
from qroi.delivery.szz import is_noise
from qroi.git import patches
from qroi.git.patches import Hunk
from qroi.ingest.pipeline import ingest
from qroi.read import queries
from qroi.store import database
from qroi.store.history import StoredChange, StoredCommit
from tests.conftest import git

DAY = 86_400
YEAR = 365 * DAY


def test_remap_moves_runs_and_counts_deleted_lines() -> None:
    runs = [(1, 4, 0), (6, 9, 1)]  # lines 1-3 from origin 0, 6-8 from origin 1
    hunks = [
        Hunk(0, 0, 1, 2),
        Hunk(2, 1, 4, 0),
        Hunk(7, 2, 8, 1),
    ]  # insert 2 at top, delete 2, replace 7-8 by 1
    kept, deleted = remap(runs, hunks)
    assert deleted == Counter({0: 1, 1: 2})
    assert kept == [(3, 4, 0), (4, 5, 0), (7, 8, 1)]  # old 1 -> 3, old 3 -> 4, old 6 -> 7
    assert remap(runs, []) == (runs, Counter())


def test_recent_experience_weighs_by_whole_years() -> None:
    now = 10 * YEAR
    times = [
        now - YEAR // 2,
        now - 3 * YEAR // 2,
        now - 5 * YEAR // 2,
        now + DAY,
    ]  # ages 0.5, 1.5, 2.5 years; one later
    assert recent_experience(sorted(times), now) == pytest.approx(1 + 1 + 1 / 2 + 1 / 3)
    assert recent_experience([], now) == 0


def test_entropy_and_line_counts() -> None:
    assert entropy([5]) == 0 and entropy([]) == 0 and entropy([0, 3]) == 0
    assert entropy([1, 1, 1, 1]) == pytest.approx(2.0)
    assert entropy([2, 6]) == pytest.approx(-(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75)))
    assert count_lines(b"") == 0 and count_lines(b"a\nb") == 2 and count_lines(b"a\nb\n") == 2


def _change(path: str, old: str | None, new: str | None, old_path: str | None = None) -> StoredChange:
    return StoredChange(path, old_path, "modify", 1, 1, old, new, path.endswith(".py"))


def test_complexity_delta_from_stored_scores() -> None:
    commit = StoredCommit(1, "s", ("p",), 0, 0, "a", False, False, False, None)
    commit.changes = [_change("a.py", "a1", "a2"), _change("b.py", "b1", None), _change("c.md", "c1", "c2")]
    assert commit_cc_delta(commit, {"a1": 3, "a2": 5, "b1": 4}) == 5 - 3 - 4
    assert commit_cc_delta(commit, {"a1": 3, "a2": None, "b1": 4}) is None  # a blob that could not be scored
    commit.changes = [_change("c.md", "c1", "c2")]
    assert commit_cc_delta(commit, {}) is None  # no Python touched
    commit.changes = [_change("new.py", "x", "x", old_path="old.txt")]  # a text file renamed to .py
    assert commit_cc_delta(commit, {"x": 7}) == 7


def test_release_pattern_and_versions() -> None:
    regex = release_regex(DEFAULT_RELEASE_PATTERN)
    for tag in ("v1.2.3", "1.2", "V2.0.0", "widget-2.0.1", "release/3.1", "v1.2.3.4"):
        assert regex.fullmatch(tag), tag
    for tag in ("v1.0.0-rc1", "nightly-2021-06", "before-big-refactor", "v2", "latest", "1.2.3b1"):
        assert not regex.fullmatch(tag), tag
    assert version_of("widget-2.0.1") == (2, 0, 1) and version_of("nightly") is None
    base = ReleaseInfo("v1.2.0", "s", 0, (1, 2, 0))
    assert base.patches(ReleaseInfo("v1.2.1", "s", 1, (1, 2, 1)))
    assert not base.patches(ReleaseInfo("v1.3.0", "s", 1, (1, 3, 0)))
    with pytest.raises(QroiError, match="--release-pattern is not a valid regular expression"):
        release_regex("v(")


def test_noise_lines_by_language() -> None:
    assert (
        is_noise(b"   ", "a.py") and is_noise(b"  # note", "a.py") and not is_noise(b"x = 1  # note", "a.py")
    )
    assert is_noise(b" // note", "a.go") and is_noise(b" * more", "a.c") and not is_noise(b"*p = 1;", "a.c")
    assert is_noise(b"-- note", "q.sql") and not is_noise(b"# heading", "README.md")


def test_patch_paths_and_ignore_revs() -> None:
    assert patches.unquote(b'"a/caf\\303\\251 \\"x\\".py"') == 'a/café "x".py'
    assert patches.unquote(b"a/with space.py\t") == "a/with space.py"
    sha = "a" * 40
    assert parse_ignore_revs(f"# format\n{sha}  # black\n\n{sha.upper()}\n", "f") == [sha]
    with pytest.raises(QroiError, match="f: line 1: not a full commit id: 'abc'"):
        parse_ignore_revs("abc\n", "f")


def test_issue_times_and_keys() -> None:
    assert parse_time("2021-03-01T10:00:00Z", 1, "t") == (1614592800, 0)
    assert parse_time("2021-03-01T10:00:00+05:30", 1, "t") == (1614592800 - 19800, 330)
    assert parse_time("2021-03-01 10:00", 1, "t") == (1614592800, 0)  # no offset: UTC
    assert parse_time("01/Mar/21 10:00 AM", 1, "t", jira=True) == (1614592800, 0)
    assert parse_time("", 1, "t") is None and parse_time(None, 1, "t") is None
    assert parse_time("0001-01-01T00:00:00Z", 1, "t") is None  # gh's "never closed"
    with pytest.raises(_Bad, match="field 'Created' is not a date/time"):
        parse_time("01/Mar/21 10:00 AM", 4, "Created")  # Jira dates only in Jira exports
    assert [normalise_key(v, 1, "id") for v in (12, "#12", "GH-12", "proj-7")] == [
        "#12",
        "#12",
        "#12",
        "PROJ-7",
    ]


def _commit(repo: Path, message: str, when: int, files: dict[str, str | None]) -> str:
    for path, text in files.items():
        if text is None:
            (repo / path).unlink()
        else:
            (repo / path).write_text(text)
    stamp = f"{when} +0000"
    env = {
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "d@x",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "d@x",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", message], check=True, env=env
    )
    return git(repo, "rev-parse", "HEAD").strip()


def test_rework_through_a_three_way_merge_and_a_rename(tmp_path: Path) -> None:
    repo = tmp_path / "merge"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    t0 = 1_700_000_000
    lines = [f"line {i}\n" for i in range(1, 11)]

    def text(changes: dict[int, str]) -> str:
        return "".join(changes.get(i, line) for i, line in enumerate(lines, start=1))

    base = _commit(repo, "base", t0, {"f.txt": text({})})
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-b", "side"], check=True)
    side = _commit(repo, "side edits line 2", t0 + DAY, {"f.txt": text({2: "side 2\n"})})
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    trunk = _commit(repo, "trunk edits line 9", t0 + DAY, {"f.txt": text({9: "trunk 9\n"})})
    env = {
        "GIT_AUTHOR_DATE": f"{t0 + 2 * DAY} +0000",
        "GIT_COMMITTER_DATE": f"{t0 + 2 * DAY} +0000",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "d@x",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "d@x",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
    }
    subprocess.run(
        ["git", "-C", str(repo), "merge", "-q", "--no-ff", "--no-commit", "side"], check=True, env=env
    )
    (repo / "f.txt").write_text(text({2: "side 2\n", 5: "merge 5\n", 9: "trunk 9\n"}))  # an evil merge line
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-am", "merge side"], check=True, env=env)
    deleter = _commit(
        repo,
        "drop 2, 5 and 9",
        t0 + 3 * DAY,
        {"f.txt": "".join(line for i, line in enumerate(lines, 1) if i not in (2, 5, 9)) + "fresh\n"},
    )
    body = (repo / "f.txt").read_text().replace("fresh\n", "")
    _commit(repo, "rename and drop the fresh line", t0 + 4 * DAY, {"f.txt": None, "g.txt": body})
    renamer = git(repo, "rev-parse", "HEAD").strip()
    engine = database.connect(str(tmp_path / "m.db"))
    ingest(engine, str(repo))
    commits = queries.commits(engine, "merge").set_index("sha")
    rows = (
        engine.connect()
        .exec_driver_sql(
            "SELECT d.sha, o.sha, r.path, r.lines FROM rework_links r JOIN commits d ON d.id = r.commit_id "
            "JOIN commits o ON o.id = r.origin_commit_id"
        )
        .fetchall()
    )
    found = {(d, o, p): n for d, o, p, n in rows}
    assert found == {
        (side, base, "f.txt"): 1,
        (trunk, base, "f.txt"): 1,  # each side changed a day-old line
        (deleter, side, "f.txt"): 1,
        (deleter, trunk, "f.txt"): 1,  # lines keep their origin through the merge
        (renamer, deleter, "g.txt"): 1,  # and through a rename
    }
    assert commits.loc[deleter, "rework_lines"] == 2  # the merge's own line 5 has no origin: not counted
    assert commits.loc[side, "reworked_lines"] == commits.loc[trunk, "reworked_lines"] == 1


def test_release_tags_as_real_projects_name_them(tmp_path: Path) -> None:
    """Before: a project tagging rel_1_4_0 (a large public ORM, 336 releases) had 0 releases."""
    import csv
    import io
    import subprocess

    from tests.conftest import run_qroi

    releases = ["v1.0.0", "1.1", "widget-1.2.0", "release-1.3", "rel_1_4_0", "2024.05.1"]
    others = ["2.0b1", "nightly", "v1.5.0-rc1"]
    repo = tmp_path / "tags"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    env = {"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "r", "GIT_AUTHOR_EMAIL": "r@x",
           "GIT_COMMITTER_NAME": "r", "GIT_COMMITTER_EMAIL": "r@x"}  # fmt: skip
    for day, tag in enumerate(releases + others, start=1):
        (repo / "app.py").write_text(f"VERSION = {day}\n")
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"2024-02-{day:02d}T10:00:00+0000"
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", f"work {day}"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "tag", tag], check=True, env=env)
    db = tmp_path / "t.db"
    done = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "6 releases (3 tags not taken as releases: 2.0b1, nightly, v1.5.0-rc1)" in done.stderr
    rows = list(
        csv.DictReader(io.StringIO(run_qroi("export", "releases", "-r", "tags", "--db", str(db)).stdout))
    )
    assert [r["tag"] for r in rows] == releases
    assert [r["version"] for r in rows][4] == "1.4.0"
