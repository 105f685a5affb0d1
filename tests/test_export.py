"""`qroi export`: stable documented headers, values as git reports them, inert spreadsheet cells."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from qroi.read import ai_frames, queries
from tests.conftest import ROOT, git, run_qroi

DOCUMENTED = {
    "commits": queries.COMMIT_COLUMNS,
    "changes": queries.CHANGE_COLUMNS,
    "files": queries.FILE_COLUMNS,
    "functions": queries.FUNCTION_COLUMNS,
    "issues": queries.ISSUE_COLUMNS,
    "bug_links": queries.BUG_LINK_COLUMNS,
    "releases": queries.RELEASE_COLUMNS,
    "lineops": ai_frames.LINEOPS_COLUMNS,
    "ai": ai_frames.AI_COLUMNS,
    "duplication": ai_frames.DUPLICATION_COLUMNS,
}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("table", sorted(DOCUMENTED))
def test_header_is_the_documented_one(table: str, demo_db: Path) -> None:
    result = run_qroi("export", table, "--repo", "widget", "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert header == DOCUMENTED[table]
    readme = (ROOT / "README.md").read_text()
    section = re.search(rf"- \*\*{table}\*\*[^\n]*(?:\n  [^\n]*)*", readme)
    assert section, f"README does not document the {table} table"
    documented = re.findall(r"`([^`]+)`", section.group(0))
    listed = [c.strip() for chunk in documented for c in chunk.split(",") if c.strip()]
    assert [c for c in listed if c in header] == header, f"README's {table} columns differ from the export"


def test_commit_values_equal_git(demo_repo: Path, demo_db: Path) -> None:
    rows = _csv(run_qroi("export", "commits", "-r", "widget", "--db", str(demo_db)).stdout)
    truth = {}
    for line in git(demo_repo, "log", "--format=%H%x00%aI%x00%cI%x00%P").strip().split("\n"):
        sha, authored, committed, parents = line.split("\0")
        truth[sha] = (authored, committed, parents)
    assert {r["sha"] for r in rows} == set(truth)
    for row in rows:
        assert (row["authored_at"], row["committed_at"], row["parents"]) == truth[row["sha"]]
        assert row["is_merge"] == ("1" if " " in row["parents"] else "0")


def test_parquet(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "changes.parquet"
    result = run_qroi(
        "export", "changes", "-r", "widget", "--db", str(demo_db), "--format", "parquet", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out)
    assert list(frame.columns) == queries.CHANGE_COLUMNS
    csv_rows = _csv(run_qroi("export", "changes", "-r", "widget", "--db", str(demo_db)).stdout)
    assert len(frame) == len(csv_rows)


def test_formula_cells_are_inert(tmp_path: Path) -> None:
    repo = tmp_path / "evil"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "-rm.py").write_text("x = 1\n")
    (repo / "+plus.py").write_text("y = 2\n")
    env = {
        "GIT_AUTHOR_NAME": "@attacker",
        "GIT_AUTHOR_EMAIL": "=cmd@evil.example",
        "PATH": "/usr/bin:/bin",
        "GIT_COMMITTER_NAME": "+committer",
        "GIT_COMMITTER_EMAIL": "c@evil.example",
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", '=HYPERLINK("http://evil.example","click")'],
        check=True,
        env=env,
    )
    db = tmp_path / "e.db"
    assert run_qroi("ingest", str(repo), "--db", str(db)).returncode == 0
    commits = _csv(run_qroi("export", "commits", "-r", "evil", "--db", str(db)).stdout)[0]
    assert commits["message"] == '\'=HYPERLINK("http://evil.example","click")'
    assert commits["author_name"] == "'@attacker"
    assert commits["author_email"] == "'=cmd@evil.example"
    assert commits["committer_name"] == "'+committer"
    paths = {r["path"] for r in _csv(run_qroi("export", "changes", "-r", "evil", "--db", str(db)).stdout)}
    assert paths == {"'-rm.py", "'+plus.py"}
    for table in DOCUMENTED:
        text = run_qroi("export", table, "-r", "evil", "--db", str(db)).stdout
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row if cell), row
