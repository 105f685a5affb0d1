"""Bad input: one clear line on stderr, a non-zero exit, no traceback, stored data untouched."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, run_qroi


def _one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qroi: error: ")
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store (a test may try to damage it)."""
    copy = tmp_path / "store.db"
    shutil.copy(demo_db, copy)
    return copy


def test_not_a_path(tmp_path: Path) -> None:
    _one_error_line(
        run_qroi("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "q.db")), "no such path"
    )


def test_a_file_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    _one_error_line(
        run_qroi("ingest", str(tmp_path / "f.txt"), "--db", str(tmp_path / "q.db")), "not a directory"
    )


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    _one_error_line(
        run_qroi("ingest", str(tmp_path / "plain"), "--db", str(tmp_path / "q.db")), "not a git repository"
    )


def test_empty_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    _one_error_line(
        run_qroi("ingest", str(tmp_path / "empty"), "--db", str(tmp_path / "q.db")), "has no commits"
    )


def test_unknown_branch(demo_repo: Path, tmp_path: Path) -> None:
    result = run_qroi("ingest", str(demo_repo), "--branch", "no-such-branch", "--db", str(tmp_path / "q.db"))
    _one_error_line(result, "no such branch or revision 'no-such-branch'")


def test_bare_repository_is_mined_like_the_normal_one(demo_repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "widget.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(demo_repo), str(bare)], check=True)
    result = run_qroi("ingest", str(bare), "--db", str(tmp_path / "q.db"))
    assert result.returncode == 0, result.stderr
    count = int(git(demo_repo, "rev-list", "--count", "HEAD"))
    assert f"ingested widget: {count:,} new commits" in result.stderr


def test_shallow_clone_starts_at_a_root(demo_repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "40", demo_repo.as_uri(), str(shallow)], check=True)
    db = tmp_path / "q.db"
    result = run_qroi("ingest", str(shallow), "--db", str(db))
    assert result.returncode == 0, result.stderr
    count = int(git(shallow, "rev-list", "--count", "HEAD"))
    assert f"{count:,} new commits" in result.stderr
    commits = run_qroi("export", "commits", "--repo", "shallow", "--db", str(db))
    rows = commits.stdout.splitlines()
    assert rows[1].split(",")[2] == ""  # the oldest commit of a shallow clone is a root
    files = run_qroi("export", "files", "--repo", "shallow", "--db", str(db))
    entries = [e for e in git(shallow, "ls-files", "-s", "-z").split("\0") if e]
    python = [e for e in entries if e.endswith(".py") and not e.startswith("120000")]
    assert len(files.stdout.strip().splitlines()) - 1 == len(python)


def test_corrupt_store_is_refused_and_left_alone(demo_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not an SQLite database, just some bytes\n" * 200)
    before = _digest(db)
    for args in (
        ("ingest", str(demo_repo)),
        ("repos",),
        ("summary", "widget"),
        ("export", "commits", "-r", "widget"),
    ):
        _one_error_line(run_qroi(*args, "--db", str(db)), "is unusable", "not a database")
    assert _digest(db) == before


def test_truncated_store_is_refused_and_left_alone(stored: Path, demo_repo: Path) -> None:
    stored.write_bytes(stored.read_bytes()[: 3 * 4096 + 100])
    before = _digest(stored)
    result = run_qroi("ingest", str(demo_repo), "--db", str(stored))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert _digest(stored) == before


def test_read_only_store_is_refused_and_left_alone(stored: Path, make_repo) -> None:
    repo = make_repo(seed=3, folder="other")
    before = _digest(stored)
    read_only = f"sqlite:///file:{stored}?mode=ro&uri=true"
    _one_error_line(run_qroi("ingest", str(repo), "--db", read_only), "readonly database")
    assert _digest(stored) == before
    listing = run_qroi("repos", "--db", read_only)  # reading a read-only store works
    assert listing.returncode == 0 and "widget" in listing.stdout


def test_unknown_repository_names_the_stored_ones(stored: Path) -> None:
    _one_error_line(
        run_qroi("summary", "nosuch", "--db", str(stored)), "no repository named 'nosuch'", "widget"
    )


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    _one_error_line(run_qroi("repos", "--db", str(tmp_path / "absent.db")), "no store at")
    assert not (tmp_path / "absent.db").exists()


def test_unwritable_export_target(stored: Path, tmp_path: Path) -> None:
    result = run_qroi(
        "export", "commits", "-r", "widget", "--db", str(stored), "--out", str(tmp_path / "no" / "x.csv")
    )
    _one_error_line(result, "No such file or directory")


def test_same_name_from_another_source_is_refused(stored: Path, make_repo) -> None:
    other = make_repo(seed=5, folder="widget")
    _one_error_line(run_qroi("ingest", str(other), "--db", str(stored)), "already stored", "--name")
    ok = run_qroi(
        "ingest", "--no-headline", str(other), "--db", str(stored), "--name", "widget-fork", "--quiet"
    )
    assert ok.returncode == 0, ok.stderr


def test_bad_bugfix_pattern(demo_repo: Path, tmp_path: Path) -> None:
    result = run_qroi("ingest", str(demo_repo), "--bugfix-pattern", "fix(", "--db", str(tmp_path / "q.db"))
    _one_error_line(result, "--bugfix-pattern")


def _sql(path: Path, statement: str, *params: object) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:  # commits; closing (below) checkpoints the WAL so the file alone holds the change
        conn.execute(statement, params)
    conn.close()


def test_states_the_product_creates_are_not_internal_errors(stored: Path, tmp_path: Path) -> None:
    """Each of these exited 3 ("internal error") before."""
    # An ingest interrupted before its end leaves a repository with no HEAD beside a finished one.
    _sql(stored, "INSERT INTO repos (name, source) VALUES ('half', '/elsewhere/half')")
    listing = run_qroi("repos", "--db", str(stored))
    assert listing.returncode == 0, listing.stderr
    assert "half" in listing.stdout and "incomplete" in listing.stdout
    # Issues imported, none of them named by a commit.
    issues = tmp_path / "unlinked.csv"
    issues.write_text("id,created_at,title\n987654,2021-03-01T00:00:00Z,nobody fixed this\n")
    assert run_qroi("issues", "import", str(issues), "-r", "widget", "--db", str(stored)).returncode == 0
    for command in (("export", "issues", "-r", "widget"), ("summary", "widget"), ("analyze", "widget")):
        result = run_qroi(*command, "--db", str(stored))
        assert result.returncode == 0, (command, result.stderr)
    exported = run_qroi("export", "issues", "-r", "widget", "--db", str(stored)).stdout
    assert "987654" in exported


def test_a_store_from_a_newer_qroi_is_refused_and_left_alone(
    stored: Path, demo_repo: Path, tmp_path: Path
) -> None:
    _sql(stored, "UPDATE alembic_version SET version_num = '9999_future'")
    before = _digest(stored)
    issues = tmp_path / "i.csv"
    issues.write_text("id,created_at\n1,2021-03-01\n")
    for command in (("ingest", str(demo_repo)), ("issues", "import", str(issues), "-r", "widget")):
        _one_error_line(run_qroi(*command, "--db", str(stored)), "written by a newer qroi", "9999_future")
        assert _digest(stored) == before, command


def test_a_foreign_sqlite_file_is_refused_before_anything_is_written(demo_repo: Path, tmp_path: Path) -> None:
    """Before: refused only after it was stamped with qroi's revision and given 12 qroi tables."""
    foreign = tmp_path / "crm.db"
    _sql(foreign, "CREATE TABLE repos (id INTEGER PRIMARY KEY, url TEXT)")
    _sql(foreign, "CREATE TABLE commits (id INTEGER PRIMARY KEY, hash TEXT, msg TEXT)")
    _sql(foreign, "INSERT INTO repos (url) VALUES ('https://crm.example')")
    before = _digest(foreign)
    _one_error_line(
        run_qroi("ingest", str(demo_repo), "--db", str(foreign)), "not a qroi store", "nothing was written"
    )
    assert _digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("crm.db")) == ["crm.db"]


@pytest.mark.parametrize("url", ["://", "postgresql://u@:99999/x", "mysql+nope://x"])
def test_malformed_database_urls(url: str) -> None:
    _one_error_line(run_qroi("repos", "--db", url))


def test_an_empty_host_is_refused_not_bound_to_every_interface(stored: Path) -> None:
    _one_error_line(run_qroi("dashboard", "--db", str(stored), "--host", ""), "--host is empty")


def test_ctrl_c_is_one_line_and_exit_130(demo_repo: Path, tmp_path: Path) -> None:
    """At start-up (while libraries load) and mid-command: typer swallowed the second silently."""
    import os
    import signal
    import sys
    import time

    from tests.conftest import ROOT

    for delay in (0.3, 3.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "qroi", "ingest", str(demo_repo), "--db", str(tmp_path / f"{delay}.db")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "QROI_DB"},
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:  # finished before the signal: nothing to check at this delay
            continue
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1].startswith("qroi: error: interrupted"), err
        assert "Traceback" not in err


def test_a_wal_store_in_a_read_only_folder_can_be_read(stored: Path, tmp_path: Path) -> None:
    """A read-only bind mount (root ignores file modes); SQLite could not create the -shm file."""
    source, mount = tmp_path / "src", tmp_path / "ro"
    source.mkdir()
    mount.mkdir()
    shutil.copy(stored, source / "store.db")
    if subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True).returncode:
        pytest.skip("bind mounts need root")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        for command in (("repos",), ("summary", "widget"), ("export", "commits", "-r", "widget")):
            result = run_qroi(*command, "--db", str(mount / "store.db"))
            assert result.returncode == 0, (command, result.stderr)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_odd_commit_headers_are_read_and_every_command_runs(tmp_path: Path) -> None:
    """Before: summary, export, analyze and ai exited 3 on an offset git reads as 518 hours."""
    import csv
    import io

    from qroi.git.log import parse_tz
    from qroi.sample_repos import odd_headers

    assert (parse_tz("+051800"), parse_tz("-9999"), parse_tz("+0530"), parse_tz("-0700")) == (0, 0, 330, -420)
    repo = odd_headers.build(tmp_path / "odd")
    db = tmp_path / "odd.db"
    ingested = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db))
    assert ingested.returncode == 0, ingested.stderr
    assert "6 new commits" in ingested.stderr
    for command in (("summary", "odd"), ("export", "commits", "-r", "odd"), ("ai", "odd"), ("repos",)):
        result = run_qroi(*command, "--db", str(db))
        assert result.returncode == 0, (command, result.stderr)
    analyzed = run_qroi("analyze", "odd", "--db", str(db))
    assert analyzed.returncode in (0, 2) and "Traceback" not in analyzed.stderr
    out = tmp_path / "commits.csv"
    assert run_qroi("export", "commits", "-r", "odd", "--db", str(db), "--out", str(out)).returncode == 0
    rows = {r["message"].split("\n")[0]: r for r in csv.DictReader(io.StringIO(out.read_text(), newline=""))}
    assert rows["fix crash in parse"]["authored_at"] == "2017-07-15T06:26:40+00:00"  # +051800 read as UTC
    assert rows["fix crash in parse"]["author_name"] == ""
    odd = rows["fix crash in parse"]["header_flags"]
    assert "author offset +51800 is no clock offset, stored as +0000" in odd
    assert "author name is empty" in odd and "author e-mail is empty" in odd
    assert 'raw author: " <> 1500100000 +051800"' in odd  # the offset exactly as written
    assert 'raw committer: "Odd Importer <odd@example.org> 1500100000 +051800"' in odd
    # 2128 on both dates: no sane date to borrow, so clamped to the last second before 2100.
    assert rows["Refactor"]["authored_at"] == rows["Refactor"]["committed_at"] == "2099-12-31T23:59:59+00:00"
    assert "author date 5000000000 is outside 1970-2100" in rows["Refactor"]["header_flags"]
    # Before 1970 (git prints no date): the committer's date, and the Latin-1 name read as Latin-1.
    latin = rows["Handle empty join"]
    assert latin["author_name"] == "José García"
    assert (
        latin["authored_at"] == "2017-07-17T14:00:00+00:00"
        and latin["committed_at"] == "2017-07-17T16:00:00+02:00"
    )
    assert "author date git cannot read" in latin["header_flags"]
    assert "author name is not UTF-8" in latin["header_flags"]
    assert 'raw author: "Jos\\xe9 Garc\\xeda <jose@example.org> -100000 +0000"' in latin["header_flags"]
    undated = rows["Tidy join"]
    assert undated["authored_at"] == undated["committed_at"] == "2017-07-18T17:46:40+00:00"
    assert "author date git cannot read" in undated["header_flags"]
    assert 'raw author: "No Date <nd@example.org>"' in undated["header_flags"]
    assert rows["Add app"]["header_flags"] == ""  # a normal header is not flagged
    assert sum(bool(r["header_flags"]) for r in rows.values()) == 4  # the CR name is no header fault


def test_header_dates_outside_what_a_calendar_shows_are_stored_sane_and_flagged() -> None:
    from datetime import UTC, datetime

    from qroi.git import headers

    for authored, committed, expected in (
        ("99999999999999 +0000", "1500000000 +0100", (1500000000, 0, 1500000000, 60)),  # year 3e6
        ("1500000000 +0100", "", (1500000000, 60, 1500000000, 0)),
        ("", "", (0, 0, 0, 0)),
        (
            "18446744073709551615 +0000",
            "7000000000 +0000",
            (headers.LATEST_TS - 1, 0, headers.LATEST_TS - 1, 0),
        ),
    ):
        flags = headers.Flags()
        stored = headers.dates(authored, committed, flags)
        assert stored == expected and flags.notes, (authored, committed)
        for ts in stored[::2]:
            assert datetime.fromtimestamp(ts, UTC).year < 2100
    normal = headers.Flags()
    assert headers.dates("1500000000 +0530", "1500000001 -0700", normal) == (
        1500000000,
        330,
        1500000001,
        -420,
    )
    assert normal.text({}) is None
