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
