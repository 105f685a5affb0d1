"""`qroi issues import`: realistic export files of each format, written here, into a real store.

The store holds the `delivery` sample repository, whose scripted fixes reference GitHub issues
#501..#507 and whose commits Z1 and Z3 mention Jira issues SHIP-11 and SHIP-12, so links, times
to close and time in development can be checked against the scripted dates.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from qroi.core.errors import QroiError
from qroi.delivery import issues_import
from qroi.delivery.issues_import import KindRules
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import queries
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.delivery import day
from qroi.store import database
from tests.conftest import run_qroi

REPO = "shop"
HOUR = 3600


def iso(ts: int) -> str:
    """A scripted time as GitHub prints it."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("issues")
    repo = build("delivery", base / REPO)
    path = base / "shop.db"
    engine = database.connect(str(path))
    ingest(engine, str(repo), IngestOptions(workers=2))
    engine.dispose()
    return path


@pytest.fixture
def db(shop_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "shop.db"
    shutil.copy(shop_db, copy)
    return copy


@pytest.fixture(scope="module")
def named(shop_db: Path) -> dict[str, str]:
    manifest = json.loads((shop_db.parent / REPO / ".git" / "qroi-truth.json").read_text())
    return {note["name"]: note["commit"] for note in manifest["notes"]["scripted"]}


# (number, title, labels, created, closed) -- closed None: still open
ISSUES = [
    (501, "Heavy parcels cost too much", ["bug"], day(20, 8), day(40, 12)),
    (502, "Invoice totals are wrong", ["type: bug", "billing"], day(13, 9), day(45, 9)),
    (503, "Labels are cut off", ["kind/bug"], day(17), day(80, 11)),
    (504, "UPS used abroad", ["Bug", "priority: high"], day(21), day(86)),
    (505, "Tax comment is outdated", ["documentation"], day(59), day(60, 12)),
    (506, "Document tax()", [], day(61), day(62, 12)),
    (507, "Unknown currency raises KeyError", ["bug", "currency"], day(85), day(91)),
    (520, "Dark mode for invoices", ["enhancement"], day(100), None),
    (521, "Add debugger hooks", ["debugger"], day(101), None),
]


def rest_export(issues: list[tuple] = ISSUES, pull_request: bool = True) -> str:
    """The REST API's `GET /repos/{owner}/{repo}/issues?state=all` list, pretty-printed."""
    items = []
    for number, title, labels, created, closed in issues:
        items.append(
            {
                "url": f"https://api.github.com/repos/acme/shop/issues/{number}",
                "html_url": f"https://github.com/acme/shop/issues/{number}",
                "id": 900000 + number,
                "node_id": f"I_kwDOA{number}",
                "number": number,
                "title": title,
                "user": {"login": "fatima", "id": 17, "type": "User", "site_admin": False},
                "labels": [
                    {
                        "id": 40 + i,
                        "node_id": f"LA_{i}",
                        "name": name,
                        "color": "d73a4a",
                        "default": name == "bug",
                        "description": None,
                    }
                    for i, name in enumerate(labels)
                ],
                "state": "closed" if closed else "open",
                "locked": False,
                "assignee": None,
                "assignees": [],
                "milestone": None,
                "comments": 1,
                "created_at": iso(created),
                "updated_at": iso(closed or created),
                "closed_at": iso(closed) if closed else None,
                "author_association": "MEMBER",
                "body": "Steps to reproduce:\n1. ...",
                "state_reason": None,
            }
        )
    if pull_request:
        items.insert(
            3,
            {
                "number": 510,
                "title": "Fix zones",
                "state": "closed",
                "labels": [],
                "created_at": iso(day(30)),
                "closed_at": iso(day(31)),
                "pull_request": {
                    "url": "https://api.github.com/repos/acme/shop/pulls/510",
                    "merged_at": iso(day(31)),
                },
            },
        )
    return json.dumps(items, indent=2)


def gh_export() -> str:
    """`gh issue list --state all --json number,title,state,createdAt,closedAt,labels`."""
    return json.dumps(
        [
            {
                "closedAt": iso(closed) if closed else None,
                "createdAt": iso(created),
                "labels": [
                    {"id": f"LA_kwDO{i}", "name": name, "description": "", "color": "d73a4a"}
                    for i, name in enumerate(labels)
                ],
                "number": number,
                "state": "CLOSED" if closed else "OPEN",
                "title": title,
            }
            for number, title, labels, created, closed in ISSUES
        ],
        indent=2,
    )


JIRA = """Summary,Issue key,Issue id,Issue Type,Status,Priority,Resolution,Assignee,Reporter,Created,Updated,Resolved,Labels,Labels,Sprint
More shipping zones,SHIP-11,10011,Story,Done,Medium,Done,Fatima Zahra,Gus Lee,25/Mar/21 9:00 AM,31/Mar/21 11:00 AM,31/Mar/21 11:00 AM,zones,shipping,Sprint 3
France is in the wrong zone,SHIP-12,10012,Bug,Done,High,Done,Fatima Zahra,Gus Lee,01/May/21 2:30 PM,10/May/21 4:00 PM,10/May/21 4:00 PM,zones,,Sprint 5
"Crash, when the weight is negative",SHIP-13,10013,Bug,To Do,High,,,Gus Lee,02/Jun/21 9:00 AM,02/Jun/21 9:00 AM,,,,
"""


def _import(db: Path, text: str, *options: str, name: str = "export.json") -> tuple[int, str]:
    """The CLI, as a user runs it: exit status and the summary (or error) line."""
    path = db.parent / name
    path.write_text(text, encoding="utf-8")
    result = run_qroi("issues", "import", str(path), "--repo", REPO, "--db", str(db), *options)
    return result.returncode, result.stderr.strip()


def _load(db: Path, text: str, name: str = "export.json", **options: object) -> issues_import.ImportReport:
    """The library call behind the CLI (no process start-up), for the tests that import often."""
    path = db.parent / name
    path.write_text(text, encoding="utf-8")
    return issues_import.import_file(database.connect(str(db)), REPO, path, **options)  # type: ignore[arg-type]


def _issues(db: Path) -> dict[str, dict]:
    frame = queries.issues(database.connect(str(db)), REPO)
    return {row["key"]: row for row in frame.to_dict("records")}


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM issues ORDER BY key").fetchall()


def test_github_rest_export(db: Path, named: dict[str, str]) -> None:
    code, line = _import(db, rest_export())
    assert code == 0, line
    assert (
        "9 new, 0 updated, 0 unchanged, 1 pull requests skipped; 5 bug, 1 feature, 3 other; 7 linked" in line
    )
    issues = _issues(db)
    assert set(issues) == {f"#{n}" for n, *_ in ISSUES}  # the pull request is not an issue
    kinds = {key: row["kind"] for key, row in issues.items()}
    assert kinds == {
        "#501": "bug",
        "#502": "bug",
        "#503": "bug",
        "#504": "bug",
        "#505": "other",
        "#506": "other",
        "#507": "bug",
        "#520": "feature",
        "#521": "other",
    }  # 'debugger' is not 'bug'
    i501 = issues["#501"]
    assert (
        i501["created_at"] == "2021-03-21T08:00:00+00:00" and i501["closed_at"] == "2021-04-10T12:00:00+00:00"
    )
    assert i501["time_to_close_days"] == pytest.approx((day(40, 12) - day(20, 8)) / 86400)
    assert i501["shas"] == named["F1"] and i501["commits"] == 1 and i501["files_touched"] == 1
    assert i501["time_in_development_days"] == pytest.approx(2 * HOUR / 86400)  # F1 at day 40, 10:00
    assert pd.isna(issues["#502"]["time_in_development_days"])  # closed at 9:00, its fix came at 10:00
    assert issues["#503"]["time_in_development_days"] == pytest.approx(HOUR / 86400)
    assert issues["#507"]["shas"] == named["F7"]
    assert issues["#520"]["state"] == "open" and pd.isna(issues["#520"]["closed_at"])
    assert issues["#520"]["commits"] == 0 and pd.isna(issues["#520"]["time_to_close_days"])
    assert issues["#502"]["labels"] == "type: bug; billing"


def test_gh_cli_export_gives_the_same_issues(db: Path, tmp_path: Path) -> None:
    _load(db, rest_export())
    rest = {
        k: (r["kind"], r["created_at"], r["closed_at"], r["labels"], r["shas"])
        for k, r in _issues(db).items()
    }
    other = tmp_path / "other.db"
    shutil.copy(db, other)
    with sqlite3.connect(other) as conn:
        conn.execute("DELETE FROM issues")
    report = _load(other, gh_export(), name="gh.json")
    assert report.format == "github" and report.added == 9 and report.pull_requests_skipped == 0
    gh = {
        k: (r["kind"], r["created_at"], r["closed_at"], r["labels"], r["shas"])
        for k, r in _issues(other).items()
    }
    assert gh == rest


def test_jira_csv_export(db: Path, named: dict[str, str]) -> None:
    report = _load(db, JIRA, name="jira.csv")
    assert report.format == "jira" and report.fixes_to_blame == 1  # Z3 mentions bug SHIP-12
    issues = _issues(db)
    assert {k: r["kind"] for k, r in issues.items()} == {
        "SHIP-11": "feature",
        "SHIP-12": "bug",
        "SHIP-13": "bug",
    }
    assert issues["SHIP-11"]["labels"] == "zones; shipping" and issues["SHIP-11"]["shas"] == named["Z1"]
    assert issues["SHIP-12"]["created_at"] == "2021-05-01T14:30:00+00:00"
    assert issues["SHIP-12"]["time_in_development_days"] == pytest.approx(
        0.25
    )  # Z3 10 May 10:00, closed 16:00
    assert (
        pd.isna(issues["SHIP-13"]["closed_at"])
        and issues["SHIP-13"]["title"] == "Crash, when the weight is negative"
    )
    result = run_qroi("ingest", "--no-headline", str(_repo_of(db)), "--db", str(db))
    assert result.returncode == 0 and "1 fixes blamed" in result.stderr, result.stderr
    links = queries.bug_links(database.connect(str(db)), REPO)
    z3 = links[links["fix_sha"] == named["Z3"]]
    assert list(z3["inducing_sha"]) == [named["Z1"]]  # Z3 changed the France line Z1 wrote


def _repo_of(db: Path) -> Path:
    with sqlite3.connect(db) as conn:
        return Path(conn.execute("SELECT source FROM repos").fetchone()[0])


def test_generic_csv_with_named_columns(db: Path) -> None:
    rows = [
        ["Issue ID", "Title", "Kind", "Opened", "Closed", "Tags"],
        [
            "501",
            "Heavy parcels cost too much",
            "incident",
            "2021-03-20 08:00:00+01:00",
            "2021-04-10 12:00:00+01:00",
            "shipping;billing",
        ],
        ["#502", "Invoice totals are wrong", "Problem", "2021-03-14T09:00:00Z", "", ""],
        ["SHIP-13", "Crash on negative weight", "", "2021-06-02", "", "bug|shipping"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    code, line = _import(
        db,
        buffer.getvalue(),
        "--id-col",
        "Issue ID",
        "--type-col",
        "Kind",
        "--created-col",
        "Opened",
        "--closed-col",
        "Closed",
        "--labels-col",
        "Tags",
        "--title-col",
        "Title",
        "--bug-labels",
        "incident,problem",
        name="issues.csv",
    )
    assert code == 0, line
    issues = _issues(db)
    assert {k: r["kind"] for k, r in issues.items()} == {"#501": "bug", "#502": "bug", "SHIP-13": "other"}
    assert (
        issues["#501"]["created_at"] == "2021-03-20T08:00:00+01:00"
        and issues["#501"]["labels"] == "shipping; billing"
    )
    assert (
        issues["#502"]["state"] == "open" and issues["SHIP-13"]["created_at"] == "2021-06-02T00:00:00+00:00"
    )


def test_a_newer_export_updates_and_never_duplicates(db: Path) -> None:
    _load(db, rest_export())
    newer = [list(issue) for issue in ISSUES]
    newer[7] = [520, "Dark mode for invoices and labels", ["enhancement"], day(100), day(130)]
    report = _load(db, rest_export([tuple(i) for i in newer]))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 8)
    issues = _issues(db)
    assert len(issues) == 9 and issues["#520"]["state"] == "closed"
    assert issues["#520"]["title"] == "Dark mode for invoices and labels"
    assert issues["#520"]["time_to_close_days"] == pytest.approx(30)


def _fails(db: Path, text: str, name: str, *fragments: str, **options: object) -> None:
    before = _rows(db)
    with pytest.raises(QroiError) as error:
        _load(db, text, name, **options)
    line = str(error.value)
    assert line.startswith(f"{db.parent / name}: line ") and line.endswith("; nothing was imported"), line
    for fragment in fragments:
        assert fragment in line, line
    assert _rows(db) == before


def test_a_malformed_file_is_one_clear_line_from_the_cli(db: Path) -> None:
    code, line = _import(
        db, rest_export().replace('"created_at": "2021-03-21T08:00:00Z"', '"created_at": "soon"')
    )
    assert code == 2 and line.splitlines() == [line] and "Traceback" not in line
    assert (
        line.startswith("qroi: error: ") and "line 2: field 'created_at' is not a date/time: 'soon'" in line
    )
    assert _rows(db) == []


def test_malformed_files_import_nothing(db: Path) -> None:
    _load(db, rest_export())
    good = rest_export()
    lines = good.splitlines()
    comma = next(i for i, text in enumerate(lines) if text == "  },")  # end of the first issue
    broken = "\n".join(lines[:comma] + ["  }"] + lines[comma + 1 :])
    _fails(db, broken, "broken.json", f"line {comma + 2}:", "invalid JSON")
    items = json.loads(good)
    del items[2]["created_at"]
    text = json.dumps(items, indent=2)
    third = [i for i, t in enumerate(text.splitlines(), start=1) if t == "  {"][2]
    _fails(db, text, "missing.json", f"line {third}: missing field 'created_at'")
    bad_date = JIRA.replace("01/May/21 2:30 PM", "31/Foo/21 2:30 PM")
    _fails(db, bad_date, "jira.csv", "line 3: field 'Created' is not a date/time: '31/Foo/21 2:30 PM'")
    _fails(
        db,
        "id,created_at\n12,2021-03-01\n12,2021-03-02\n",
        "dup.csv",
        "line 3: issue #12 appears twice (first on line 2)",
    )
    _fails(
        db,
        "number,opened\n1,2021-03-01\n",
        "named.csv",
        "line 1: no 'Issue ID' column",
        columns=issues_import.CsvColumns(id="Issue ID"),
    )
    _fails(db, '{"number": 1}', "object.json", "line 1: expected a JSON array of issues")
    _fails(
        db,
        "[" + json.dumps({"number": "twelve", "created_at": "2021-03-01T00:00:00Z"}) + "]",
        "key.json",
        "field 'number' is not an issue number or key: 'twelve'",
    )


def test_unknown_repository_and_file(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(rest_export())
    result = run_qroi("issues", "import", str(path), "--repo", "nope", "--db", str(db))
    assert result.returncode == 2 and "no repository named 'nope'" in result.stderr
    result = run_qroi("issues", "import", str(tmp_path / "missing.json"), "--repo", REPO, "--db", str(db))
    assert result.returncode == 2 and "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_kind_rules_match_whole_words() -> None:
    rules = KindRules()
    assert rules.kind("Bug", []) == "bug"
    assert rules.kind(None, ["type: bug"]) == "bug" and rules.kind(None, ["kind/bug"]) == "bug"
    assert rules.kind(None, ["debugger", "debug"]) == "other"
    assert rules.kind("New Feature", []) == "feature" and rules.kind("Task", ["enhancement"]) == "feature"
    assert rules.kind("Story", ["regression"]) == "bug"  # bug wins
    assert KindRules(bug=("problem",), feature=("new feature",)).kind("New Feature", ["bug"]) == "feature"


def test_hostile_files_are_refused_at_the_door_with_their_line(db: Path) -> None:
    """Each of these imported (or crashed) before; stored, a far-future date crashed every later
    command ("year 10000 is out of range") and an open quote lost the rows after it."""
    _load(db, rest_export())
    _fails(
        db,
        "id,created_at,title\n1,2021-03-01,ok\n2,9999-12-31T23:59:59-23:59,far future\n",
        "future.csv",
        "line 3: field 'created_at' is out of range (years 1900-9999)",
    )
    _fails(
        db,
        "[" + json.dumps({"number": 1, "created_at": "0999-01-01T00:00:00Z"}) + "]",
        "past.json",
        "line 1: field 'created_at' is out of range",
    )
    _fails(
        db,
        'id,created_at,title\n1,2021-03-01,fine\n2,2021-03-02,"an open quote\n3,2021-03-03,swallowed\n',
        "open.csv",
        "line 3: malformed CSV in the row starting here",
    )
    _fails(
        db,
        'id,created_at,title\n1,2021-03-01,"an open quote\n2,2021-03-02,"closed later",x\n',
        "reopened.csv",
        "line 2: malformed CSV in the row starting here",
    )
    _fails(db, "id,created_at\n1,2021-03-01,extra\n", "wide.csv", "line 2: 3 fields where the header has 2")
    _fails(db, "id,created_at\n" + "9" * 5000 + ",2021-03-01\n", "digits.csv", "line 2: field 'id' is not")
    nested = (
        "["
        + '{"number": 1, "created_at": "2021-03-01T00:00:00Z", "x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}]"
    )
    _fails(db, nested, "nested.json", "line 1: invalid JSON: nested too deeply")


def test_a_cr_inside_a_quoted_cell_is_kept(db: Path) -> None:
    """The file is read as bytes: text mode would turn the CR into a line feed."""
    path = db.parent / "cr.csv"
    path.write_bytes(b'id,created_at,title\r\n7,2021-03-01,"two\rlines"\r\n')
    issues_import.import_file(database.connect(str(db)), REPO, path)
    assert _issues(db)["#7"]["title"] == "two\rlines"


def test_a_large_file_shows_progress_on_a_terminal_and_quiet_hides_it(db: Path) -> None:
    from tests.conftest import run_qroi_on_terminal

    path = db.parent / "large.csv"
    path.write_text(
        "id,created_at,title\n" + "".join(f"{i},2021-03-01T10:00:00Z,issue {i}\n" for i in range(1, 150_001))
    )
    shown = run_qroi_on_terminal("issues", "import", str(path), "--repo", REPO, "--db", str(db))
    assert "reading large.csv" in shown and "chars/s" in shown and "ETA" in shown
    assert "150,000 new" in shown
    quiet = run_qroi_on_terminal("issues", "import", str(path), "--repo", REPO, "--db", str(db), "--quiet")
    assert "ETA" not in quiet and "150,000 unchanged" in quiet
