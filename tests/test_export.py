"""`qroi export`: stable documented headers, values as git reports them, inert spreadsheet cells."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from qroi.read import ai_frames, export, queries
from qroi.store import database
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
    return list(csv.DictReader(io.StringIO(text, newline="")))


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


def _export_text(db: Path, table: str, repo: str) -> str:
    """What `qroi export TABLE` writes, built by the functions the command calls, in this process.

    For loops over every table: one process per table would cost seconds of imports each, and the
    command itself (options, stdout, --out) is run as a process for some tables in each test.
    """
    engine = database.connect(str(db))
    try:
        return export.csv_text(export.table(engine, table, repo))
    finally:
        engine.dispose()


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
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db)).returncode == 0
    commits = _csv(run_qroi("export", "commits", "-r", "evil", "--db", str(db)).stdout)[0]
    assert commits["message"] == '\'=HYPERLINK("http://evil.example","click")'
    assert commits["author_name"] == "'@attacker"
    assert commits["author_email"] == "'=cmd@evil.example"
    assert commits["committer_name"] == "'+committer"
    paths = {r["path"] for r in _csv(run_qroi("export", "changes", "-r", "evil", "--db", str(db)).stdout)}
    assert paths == {"'-rm.py", "'+plus.py"}
    for table in DOCUMENTED:
        text = _export_text(db, table, "evil")
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row if cell), row


SPLIT_HOSTILE = "ok\r=SUM(40;2)\n@cmd\r\n+1\r-2"
"""Bare CR, LF and CRLF each followed by a formula start: a spreadsheet splits a row at a bare CR
written unquoted, so the text after it would start a cell of its own."""


def _rows_as_a_spreadsheet_reads_them(text: str) -> list[list[str]]:
    """Python's reader, like LibreOffice, ends a record at a CR or LF outside quotes."""
    return list(csv.reader(io.StringIO(text, newline="")))


def test_line_breaks_in_cells_cannot_split_rows_or_start_formulas(tmp_path: Path) -> None:
    repo = tmp_path / "split"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "app.py").write_text("def f():\n    return 1\n")
    env = {
        "GIT_AUTHOR_NAME": "Mallory\r=HYPERLINK(1)",
        "GIT_AUTHOR_EMAIL": "m@evil.example",
        "GIT_COMMITTER_NAME": "Mallory",
        "GIT_COMMITTER_EMAIL": "m@evil.example",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--cleanup=verbatim", "-m", f"fix #1 {SPLIT_HOSTILE}"],
        check=True,
        env=env,
    )
    db = tmp_path / "s.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    issues = tmp_path / "issues.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["id", "type", "created_at", "closed_at", "labels", "title"],
            ["1", "bug", "2024-01-01", "", "", SPLIT_HOSTILE],
        ]
    )
    issues.write_text(buffer.getvalue(), encoding="utf-8")
    imported = run_qroi("issues", "import", str(issues), "-r", "split", "--db", str(db))
    assert imported.returncode == 0, imported.stderr

    def exported(table: str) -> str:
        """The file as written: a captured stdout in text mode would turn each CR into LF."""
        out = tmp_path / f"{table}.csv"
        assert run_qroi("export", table, "-r", "split", "--db", str(db), "--out", str(out)).returncode == 0
        return out.read_bytes().decode("utf-8")

    for table in DOCUMENTED:
        header, *rows = _rows_as_a_spreadsheet_reads_them(_export_text(db, table, "split"))
        for row in rows:
            assert len(row) == len(header), (table, row)
            for cell in row:
                for line in re.split(r"\r\n|\r|\n", cell):
                    assert line[:1] not in ("=", "+", "-", "@", "\t"), (table, cell)
    commit = _csv(exported("commits"))[0]
    assert commit["author_name"] == "Mallory\r'=HYPERLINK(1)"
    assert commit["message"].startswith("fix #1 ok\r'=SUM(40;2)\n'@cmd\r\n'+1\r'-2")
    issue = _csv(exported("issues"))[0]
    assert issue["title"] == "ok\r'=SUM(40;2)\n'@cmd\r\n'+1\r'-2"
