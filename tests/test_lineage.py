"""The claim test's unit is a file followed through its renames, not a path."""

from __future__ import annotations

import subprocess
from pathlib import Path

from qroi.analysis.panel import build_panel
from qroi.ingest.pipeline import ingest
from qroi.store import database

FILES = [f"pkg/mod{i}.py" for i in range(6)]


def _commit(repo: Path, day: int, message: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "d@x", "GIT_COMMITTER_NAME": "d",
           "GIT_COMMITTER_EMAIL": "d@x", "GIT_AUTHOR_DATE": f"@{1_600_000_000 + day * 86_400} +0000",
           "GIT_COMMITTER_DATE": f"@{1_600_000_000 + day * 86_400} +0000"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)


def _body(i: int, version: int) -> str:
    branches = "".join(f"    if x == {k}:\n        return {k * i}\n" for k in range(version + 2))
    return f'"""Module {i}."""\n\n\ndef f{i}(x):\n{branches}    return -1\n'


def test_a_move_into_src_keeps_one_unit_per_file(tmp_path: Path) -> None:
    """Six files edited for ~300 days, moved into src/ on day 150, edited again; and one path
    reused after its file moved away, which is another file."""
    repo = tmp_path / "moves"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "pkg").mkdir()
    day = 0
    for version in range(10):
        for i, path in enumerate(FILES):
            (repo / path).write_text(_body(i, version))
        day += 15
        _commit(repo, day, f"work {version}")
    (repo / "src").mkdir()
    subprocess.run(["git", "-C", str(repo), "mv", "pkg", "src/pkg"], check=True)
    day += 15
    _commit(repo, day, "Move the package into src/")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod0.py").write_text(
        '"""A new module under an old name."""\n\n\ndef g():\n    return 0\n'
    )
    day += 1
    _commit(repo, day, "A new pkg/mod0.py")
    for version in range(10, 22):
        for i, path in enumerate(FILES):
            (repo / "src" / path).write_text(_body(i, version))
        day += 15
        _commit(repo, day, f"more work {version}")
    engine = database.connect(str(tmp_path / "m.db"))
    ingest(engine, str(repo))
    panel = build_panel(engine, "moves", "3M")
    assert panel["path"].nunique() == 12  # 6 old paths (one used again by a new file), 6 new ones
    assert panel["lineage"].nunique() == 7
    for old in FILES:
        rows = panel[panel["lineage"] == old].sort_values("window")
        assert set(rows["path"]) == {old, f"src/{old}"}, old
        assert rows["window"].is_monotonic_increasing and rows["window"].is_unique
        # prior commits keep counting across the move: every earlier window had a commit
        assert list(rows["prior_commits"]) == sorted(rows["prior_commits"])
        assert rows["prior_commits"].iloc[-1] > 10
        assert (rows["age_days"].diff().dropna() > 0).all()
    reused = panel[panel["path"] == "pkg/mod0.py"]
    assert set(reused["lineage"]) == {
        "pkg/mod0.py",
        next(x for x in panel["lineage"] if x.startswith("pkg/mod0.py@")),
    }


def _follow_count(repo: Path, path: str) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--follow", "--format=%H", "--", path],
        capture_output=True,
        text=True,
        check=True,
    )
    return len(out.stdout.split())


def test_hotspots_and_file_history_count_a_file_through_its_renames(tmp_path: Path) -> None:
    """a.py moves twice (a.py -> lib/a.py -> src/pkg/a.py, the second move with an edit), b.py once;
    then a new a.py takes the first path. One hotspot row per file, counts as `git log --follow`."""
    from qroi.core import roles
    from qroi.read import hotspots as hotspot_reads
    from qroi.read import queries
    from qroi.read.file_history import file_history

    repo = tmp_path / "renames"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    day = 0
    for version in range(3):
        (repo / "a.py").write_text(_body(1, version))
        (repo / "b.py").write_text(_body(2, version))
        day += 1
        _commit(repo, day, f"work {version}")
    (repo / "lib").mkdir()
    subprocess.run(["git", "-C", str(repo), "mv", "a.py", "lib/a.py"], check=True)
    subprocess.run(["git", "-C", str(repo), "mv", "b.py", "lib/b.py"], check=True)
    day += 1
    _commit(repo, day, "Move into lib/")
    (repo / "lib" / "a.py").write_text(_body(1, 3))
    day += 1
    _commit(repo, day, "work on lib/a.py")
    (repo / "src" / "pkg").mkdir(parents=True)
    subprocess.run(["git", "-C", str(repo), "mv", "lib/a.py", "src/pkg/a.py"], check=True)
    (repo / "src" / "pkg" / "a.py").write_text(_body(1, 4))
    day += 1
    _commit(repo, day, "Move a into src/pkg and extend it")
    (repo / "a.py").write_text('"""Another module under an old name."""\n\n\ndef g():\n    return 0\n')
    day += 1
    _commit(repo, day, "A new a.py")
    engine = database.connect(str(tmp_path / "r.db"))
    ingest(engine, str(repo))

    hot = hotspot_reads.hotspots(engine, "renames", kept=frozenset(roles.names())).set_index("path")
    assert sorted(hot.index) == ["a.py", "lib/b.py", "src/pkg/a.py"]  # one row per file, not per path
    counts = {"src/pkg/a.py": 6, "lib/b.py": 4}
    for path, expected in counts.items():
        assert hot.loc[path, "commits"] == _follow_count(repo, path) == expected, path
        assert file_history(engine, "renames", path).changes["sha"].nunique() == expected, path
    assert hot.loc["src/pkg/a.py", "previous_paths"] == "a.py; lib/a.py"
    assert hot.loc["lib/b.py", "previous_paths"] == "b.py"
    # The new a.py is another file: its one commit, though `git log --follow` walks the path back
    # into the old file's history (5 commits touched the path a.py).
    assert hot.loc["a.py", "commits"] == 1 and hot.loc["a.py", "previous_paths"] == ""
    assert _follow_count(repo, "a.py") == 5
    assert list(file_history(engine, "renames", "a.py").changes["subject"]) == ["A new a.py"]
    files = queries.head_files(engine, "renames").set_index("path")
    assert dict(files["commits"]) == dict(hot["commits"])  # the files export counts the same way
