"""Delivery signals against planted truth: SZZ, Kamei features, rework, releases, reverts, mailmap.

The `delivery` sample scenario scripts its first commits with exact authors, dates and line
edits (sample_repos/scenarios/delivery.py); the manifest names them (K1, B1, F1...) and records
what SZZ and rework must find. Kamei features and lead times below are computed by hand from the
scenario's script.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from qroi.delivery import dmm
from qroi.delivery.delivery_step import DeliveryOptions
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.labels.messages import bugfix_regex, is_bugfix
from qroi.read import queries
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.delivery import day
from qroi.store import database
from tests.conftest import git, ingested, run_qroi
from tests.storedump import dump

DAY = 86_400
REPO = "shop"


def _manifest(repo: Path) -> dict:
    return json.loads((repo / ".git" / "qroi-truth.json").read_text())


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("delivery", tmp_path_factory.mktemp("delivery") / REPO)


@pytest.fixture(scope="module")
def shop_db(shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingested(shop, tmp_path_factory.mktemp("delivery-store"), "shop.db")


@pytest.fixture
def engine(shop_db: Path) -> Engine:
    engine = database.connect(str(shop_db))
    yield engine
    engine.dispose()


@pytest.fixture
def own_db(shop_db: Path, tmp_path: Path) -> Path:
    """A private copy of the store for a test that changes it."""
    copy = tmp_path / "shop.db"
    shutil.copy(shop_db, copy)
    return copy


@pytest.fixture(scope="module")
def named(shop: Path) -> dict[str, str]:
    return {note["name"]: note["commit"] for note in _manifest(shop)["notes"]["scripted"]}


def _commits(engine: Engine) -> pd.DataFrame:
    return queries.commits(engine, REPO).set_index("sha")


def _links(engine: Engine) -> dict[str, set[str]]:
    links: dict[str, set[str]] = {}
    for row in queries.bug_links(engine, REPO).itertuples():
        links.setdefault(row.fix_sha, set()).add(row.inducing_sha)
    return links


def _score_szz(
    planted: list[dict], links: dict[str, set[str]], capsys: pytest.CaptureFixture[str], label: str
) -> None:
    """Exact per fix; precision and recall over the planted fixes, printed for the record."""
    found = {(case["fix"], i) for case in planted for i in links.get(case["fix"], set())}
    truth = {(case["fix"], i) for case in planted for i in case["inducing"]}
    precision = len(found & truth) / len(found) if found else 1.0
    recall = len(found & truth) / len(truth) if truth else 1.0
    with capsys.disabled():
        print(
            f"\nSZZ on planted fixes ({label}): precision {precision:.2f}, recall {recall:.2f} "
            f"({len(planted)} fixes, {len(truth)} planted links, {len(found)} found)"
        )
    for case in planted:
        assert links.get(case["fix"], set()) == set(case["inducing"]), case["case"]
    assert precision == recall == 1.0


def test_szz_finds_the_planted_inducing_commits(
    shop: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    planted = [c for c in _manifest(shop)["notes"]["szz"] if c["name"] != "F7"]  # F7 needs its bug issue
    links = _links(engine)
    _score_szz(planted, links, capsys, "message-flagged fixes")
    frame = queries.bug_links(engine, REPO)
    f2 = frame[frame["fix_sha"] == planted[1]["fix"]]
    assert set(f2["path"]) == {"src/billing/invoice.py"} and list(f2["lines"]) == [1, 1]
    commits = _commits(engine)
    f7 = next(c for c in _manifest(shop)["notes"]["szz"] if c["name"] == "F7")
    assert not bool(commits.loc[f7["fix"], "fix"]) and f7["fix"] not in links
    for case in planted:
        for inducing in case["inducing"]:
            assert bool(commits.loc[inducing, "bug_inducing"]) and commits.loc[inducing, "fixes_induced"] == 1


def test_a_bug_issue_makes_a_fix_blamed_at_the_next_ingest(
    shop: Path, own_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issues = [
        {
            "number": n,
            "title": f"Issue {n}",
            "state": "closed",
            "created_at": "2021-03-02T08:00:00Z",
            "closed_at": "2021-06-01T08:00:00Z",
            "labels": [{"name": "bug"}],
        }
        for n in range(501, 508)
    ]
    export = tmp_path / "issues.json"
    export.write_text(json.dumps(issues))
    imported = run_qroi("issues", "import", str(export), "--repo", REPO, "--db", str(own_db))
    assert imported.returncode == 0, imported.stderr
    # F7 (no fix word) and F5, F6 (comment and docstring only: not fixes by their message, since
    # they cannot change behaviour) become fixes through their bug issues, which outrank messages.
    assert "run `qroi ingest` to blame the 3 bug fixes not blamed yet" in imported.stderr
    again = run_qroi("ingest", "--no-headline", str(shop), "--db", str(own_db))
    assert again.returncode == 0, again.stderr
    assert "up to date, 0 new commits" in again.stderr and "3 fixes blamed" in again.stderr
    engine = database.connect(str(own_db))
    _score_szz(_manifest(shop)["notes"]["szz"], _links(engine), capsys, "with bug issues imported")
    f7 = next(c for c in _manifest(shop)["notes"]["szz"] if c["name"] == "F7")
    assert bool(_commits(engine).loc[f7["fix"], "fix"])


def test_ignore_revs_decide_what_blame_looks_through(
    shop: Path, own_db: Path, tmp_path: Path, named: dict[str, str]
) -> None:
    engine = database.connect(str(own_db))
    empty = tmp_path / "none.txt"
    empty.write_text("# nothing to ignore\n")
    ingest(engine, str(shop), IngestOptions(delivery=DeliveryOptions(ignore_revs=empty)))
    links = _links(engine)
    assert links[named["F4"]] == {named["R1"]}  # the quote reformat, no longer looked through
    assert links[named["F3"]] == {named["B3"]}  # a whitespace-only reformat is looked through by -w anyway
    only_r1 = tmp_path / "revs.txt"
    only_r1.write_text(f"{named['R1']}  # quote style\n")
    ingest(engine, str(shop), IngestOptions(delivery=DeliveryOptions(ignore_revs=only_r1)))
    ingest(engine, str(shop))  # remembered: still only R1
    links = _links(engine)
    assert links[named["F4"]] == {named["B4"]} and links[named["F3"]] == {named["B3"]}


def test_a_bad_ignore_revs_file_is_one_clear_error(shop: Path, tmp_path: Path) -> None:
    bad = tmp_path / "revs.txt"
    bad.write_text("# formatting\nabc123\n")
    result = run_qroi("ingest", str(shop), "--db", str(tmp_path / "x.db"), "--ignore-revs", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"qroi: error: {bad}: line 2: not a full commit id: 'abc123'"
    ]
    assert not (tmp_path / "x.db").exists()  # refused before anything was mined


H = -(1 / 9 * math.log2(1 / 9) + 2 * 4 / 9 * math.log2(4 / 9))  # K1: 2, 8 and 8 lines over three files
H3 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))  # K3: 2 and 6 changed lines
KAMEI = {  # by hand from the script: ns nd nf entropy la ld lt ndev age_days nuc exp rexp sexp
    "K1": (2, 2, 3, H, 18, 0, 0, 0, None, 0, 0, 0.0, 0),
    "K2": (1, 1, 1, 0.0, 2, 1, 8, 1, 1.0, 1, 1, 1.0, 1),  # by Fatima's laptop alias: .mailmap makes EXP 1
    "K3": (1, 2, 2, H3, 7, 1, 8, 1, 3.0, 1, 0, 0.0, 0),
    "K4": (1, 1, 2, 1.0, 7, 1, 17, 2, 3.0, 3, 2, 2.0, 2),
    "K5": (1, 1, 1, 0.0, 1, 1, 6, 2, 460.0, 3, 16, 8.0, 14),  # 16 earlier commits, all 1-2 years old
}
KAMEI_COLUMNS = [
    "ns",
    "nd",
    "nf",
    "entropy",
    "la",
    "ld",
    "lt",
    "ndev",
    "age_days",
    "nuc",
    "exp",
    "rexp",
    "sexp",
]


def test_kamei_features_of_a_hand_computed_history(engine: Engine, named: dict[str, str]) -> None:
    commits = _commits(engine)
    for name, expected in KAMEI.items():
        row = commits.loc[named[name], KAMEI_COLUMNS]
        for column, value in zip(KAMEI_COLUMNS, expected, strict=True):
            got = row[column]
            assert pd.isna(got) if value is None else got == pytest.approx(value), (name, column, got, value)
    merges = commits[commits["is_merge"].astype(bool)]
    assert len(merges) and merges[KAMEI_COLUMNS].isna().all().all()
    assert commits.loc[named["K1"], "cc_delta"] == 3  # total() has a loop, tax() none: 1 + 1 + 1 module


def test_mailmap_merges_identities(shop: Path, engine: Engine, tmp_path: Path, named: dict[str, str]) -> None:
    commits = _commits(engine)
    emails = set(commits["author_email"]) | set(commits["committer_email"])
    assert "fatima@laptop.local" not in emails and "bob.stone@home.example" not in emails
    assert "bob@acme.example" in emails
    assert commits.loc[named["K2"], ["author_name", "author_email"]].tolist() == [
        "Fatima Zahra",
        "fatima@acme.example",
    ]
    raw = database.connect(str(tmp_path / "raw.db"))
    ingest(raw, str(shop), IngestOptions(name=REPO, delivery=DeliveryOptions(mailmap=False)))
    as_written = _commits(raw)
    assert as_written.loc[named["K2"], "author_email"] == "fatima@laptop.local"
    assert as_written.loc[named["K2"], "exp"] == 0  # the alias has no history of its own
    ingest(raw, str(shop), IngestOptions(delivery=DeliveryOptions(mailmap=True)))  # identities re-resolved
    assert dump(raw, REPO) == dump(engine, REPO)


def test_rework_equals_the_planted_rework(shop: Path, engine: Engine, named: dict[str, str]) -> None:
    planted = _manifest(shop)["notes"]["rework"]
    commits = _commits(engine)
    deleted, added, per_file = Counter(), Counter(), Counter()
    for case in planted:
        deleted[case["commit"]] += case["lines"]
        added[case["origin"]] += case["lines"]
    for sha in named.values():
        assert commits.loc[sha, "rework_lines"] == deleted[sha], sha
        assert commits.loc[sha, "reworked_lines"] == added[sha], sha
    assert deleted[named["Z6"]] == 1  # exactly 21 days later still counts
    files = queries.head_files(engine, REPO).set_index("path")
    for path, lines in {
        "src/shipping/zones.py": 4,
        "src/billing/discounts.py": 2,
        "src/billing/invoice.py": 4,
    }.items():
        per_file[path] = files.loc[path, "rework_lines"]
        assert per_file[path] == lines, path


def test_a_new_bugfix_rule_reflags_stored_commits_and_szz_follows(
    shop: Path, own_db: Path, tmp_path: Path, named: dict[str, str]
) -> None:
    rule = r"fix invoice totals|unlisted currencies"  # keeps F2, drops F1 and F3-F6, makes F7 a fix
    engine = database.connect(str(own_db))
    was, links_before = _commits(engine), _links(engine)
    again = run_qroi("ingest", "--no-headline", str(shop), "--db", str(own_db), "--bugfix-pattern", rule)
    assert again.returncode == 0, again.stderr
    commits = _commits(engine)
    regex = bugfix_regex(rule)
    expected = {
        sha for sha, row in commits.iterrows() if not row["is_merge"] and is_bugfix(row["message"], regex)
    }
    assert {named["F2"], named["F7"]} <= expected and not {named[f"F{i}"] for i in (1, 3, 4, 5, 6)} & expected
    assert set(commits.index[commits["is_bugfix"].astype(bool)]) == expected
    flipped = int((was["is_bugfix"].astype(bool) != commits["is_bugfix"].astype(bool)).sum())
    assert flipped > 0 and f"{flipped} commits re-flagged by the bug-fix rule" in again.stderr
    links = _links(engine)
    f7 = next(c for c in _manifest(shop)["notes"]["szz"] if c["name"] == "F7")
    assert set(links) <= expected and links[named["F2"]] == links_before[named["F2"]]
    assert links[named["F7"]] == set(f7["inducing"]) and named["F1"] not in links
    remembered = run_qroi(
        "ingest", "--no-headline", str(shop), "--db", str(own_db)
    )  # no option: the rule is remembered
    assert remembered.returncode == 0 and "re-flagged" not in remembered.stderr, remembered.stderr
    fresh = database.connect(str(tmp_path / "fresh.db"))
    ingest(fresh, str(shop), IngestOptions(delivery=DeliveryOptions(bugfix_pattern=rule)))
    assert dump(fresh, REPO) == dump(engine, REPO), (
        "re-flagging ends where a fresh ingest with the rule starts"
    )


def test_rework_days_are_an_option_and_remembered(shop: Path, own_db: Path, named: dict[str, str]) -> None:
    engine = database.connect(str(own_db))
    ingest(engine, str(shop), IngestOptions(delivery=DeliveryOptions(rework_days=3)))
    ingest(engine, str(shop))  # no option: as last time
    commits = _commits(engine)
    within_3_days = {"K2": 1, "K3": 1, "B3": 1, "B4": 1}  # 1, 3, 2 and 2 days; every other case is older
    for name, sha in named.items():
        assert commits.loc[sha, "rework_lines"] == within_3_days.get(name, 0), name


LEAD = {  # commit: (day authored, day released) at 10:00 UTC, released by lightweight tags
    "K1": (0, 12),
    "K2": (1, 12),
    "K4": (5, 12),
    "B2b": (12, 12),
    "L1": (14, 14),
    "Z1": (30, 110),
    "F7": (90, 110),
    "X": (110, 110),
    "V13": (120, 120),
}


def test_lead_times_and_releases(shop: Path, engine: Engine, named: dict[str, str]) -> None:
    commits = _commits(engine)
    for name, (authored, released) in LEAD.items():
        assert commits.loc[named[name], "lead_time_days"] == released - authored, name
    tag_time = int(git(shop, "for-each-ref", "--format=%(creatordate:unix)", "refs/tags/v1.1.0").strip())
    assert commits.loc[named["B3"], "first_release"] == "v1.1.0"
    assert commits.loc[named["B3"], "lead_time_days"] * DAY == pytest.approx(
        tag_time - day(16)
    )  # annotated: tagger time
    assert commits.loc[named["R"], "lead_time_days"] * DAY == day(120) - day(113, hour=12)
    assert pd.isna(commits.loc[named["K5"], "first_release"]) and pd.isna(
        commits.loc[named["K5"], "lead_time_days"]
    )
    releases = queries.releases(engine, REPO).set_index("tag")
    assert list(releases.index) == ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "v1.3.0"]  # no rc, no nightly
    assert releases["change_failure"].astype(bool).to_dict() == {
        "v1.0.0": True,
        "v1.0.1": False,
        "v1.1.0": False,
        "v1.2.0": True,
        "v1.3.0": False,
    }
    assert (
        releases.loc["v1.0.0", "patched_by"] == "v1.0.1" and releases.loc["v1.2.0", "reverted_commits"] == 1
    )
    assert releases.loc["v1.0.0", "commits"] == 7 and releases.loc["v1.0.1", "days_since_previous"] == 2
    months = queries.release_frequency(engine, REPO)
    assert months.to_dict("list") == {
        "month": ["2021-03", "2021-04", "2021-05", "2021-06"],
        "releases": [3, 0, 0, 2],
    }


def test_a_planted_revert_is_timed(shop: Path, engine: Engine) -> None:
    (case,) = [c for c in _manifest(shop)["notes"]["planted_reverts"]]
    commits = _commits(engine)
    assert bool(commits.loc[case["reverted"], "reverted_later"])
    assert commits.loc[case["reverted"], "time_to_revert_days"] * DAY == case["seconds"] == 3 * DAY + 2 * 3600
    reverted = {r for r in _manifest(shop)["reverts"].values()}
    assert set(commits.index[commits["reverted_later"].astype(bool)]) == reverted


def test_incremental_equals_fresh(shop: Path, engine: Engine, tmp_path: Path) -> None:
    """First the trunk just before a merge whose branch interleaves with it, then everything."""
    merge = next(m for m in _manifest(shop)["merges"] if m["trunk_moved"])
    partial = database.connect(str(tmp_path / "partial.db"))
    ingest(partial, str(shop), IngestOptions(name=REPO, branch=merge["parents"][0]))
    ingest(partial, str(shop))
    assert dump(partial, REPO) == dump(engine, REPO)


def _blamed_rework(repo: Path, sha: str, authored: dict[str, int], days: int) -> Counter[tuple[str, str]]:
    """Rework of one commit, the slow way: `git blame` of every line its diff deletes."""
    found: Counter[tuple[str, str]] = Counter()
    old = new = None
    for line in git(repo, "diff", "-U0", "-M", "--no-color", "--no-ext-diff", f"{sha}^", sha).splitlines():
        if line.startswith("--- "):
            old = None if line == "--- /dev/null" else line[6:]
        elif line.startswith("+++ "):
            new = None if line == "+++ /dev/null" else line[6:]
        elif hunk := re.match(r"@@ -(\d+)(?:,(\d+))? ", line):
            start, count = int(hunk[1]), int(hunk[2] or 1)
            if not count:
                continue
            porcelain = git(
                repo, "blame", "--porcelain", "-L", f"{start},{start + count - 1}", f"{sha}^", "--", old
            )
            for origin in re.findall(r"^([0-9a-f]{40}) \d+ \d+", porcelain, re.MULTILINE):
                if 0 <= authored[sha] - authored[origin] <= days * DAY:
                    found[(origin, new or old)] += 1
    return found


def test_rework_agrees_with_git_blame(demo_repo: Path, demo_engine: Engine) -> None:
    commits = queries.commits(demo_engine, "widget")
    authored = dict(zip(commits["sha"], commits["authored_ts"], strict=True))
    stored = queries.changes(demo_engine, "widget")
    plain = stored.groupby("sha")["path"].agg(lambda p: all(re.fullmatch(r"[\w./-]+", x) for x in p))
    with_deletions = stored[(stored["deleted"].fillna(0) > 0)]["sha"].unique()
    sample = [sha for sha in with_deletions if plain[sha]][::4]
    assert len(sample) >= 25
    links = pd.DataFrame(
        demo_engine.connect()
        .exec_driver_sql(
            "SELECT d.sha, o.sha, r.path, r.lines FROM rework_links r JOIN commits d ON d.id = r.commit_id "
            "JOIN commits o ON o.id = r.origin_commit_id"
        )
        .fetchall(),
        columns=["sha", "origin", "path", "lines"],
    )
    young = 0
    for sha in sample:
        expected = _blamed_rework(demo_repo, sha, authored, 21)
        got = Counter({(r.origin, r.path): r.lines for r in links[links["sha"] == sha].itertuples()})
        assert got == expected, sha
        young += bool(expected)
    assert young >= 5  # the sample does exercise rework


def test_dmm_only_when_asked_and_the_repository_is_left_alone(
    shop: Path, tmp_path: Path, named: dict[str, str]
) -> None:
    config = (shop / ".git" / "config").read_bytes()
    engine = database.connect(str(tmp_path / "dmm.db"))
    ingest(
        engine, str(shop), IngestOptions(name=REPO, branch=named["K4"], delivery=DeliveryOptions(dmm=True))
    )
    commits = _commits(engine)
    assert (shop / ".git" / "config").read_bytes() == config  # PyDriller would have written to it
    reference = tmp_path / "reference.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(shop), str(reference)], check=True)
    expected = dmm.compute(str(reference), [named[n] for n in ("K1", "K2", "K3", "K4")], workers=1)
    from pydriller import Git

    for name in ("K1", "K2", "K3", "K4"):
        theirs = Git(str(reference)).get_commit(named[name])
        scores = (theirs.dmm_unit_size, theirs.dmm_unit_complexity, theirs.dmm_unit_interfacing)
        assert expected[named[name]] == scores
        row = commits.loc[named[name], ["dmm_unit_size", "dmm_unit_complexity", "dmm_unit_interfacing"]]
        assert [None if pd.isna(v) else v for v in row] == list(scores), name
    assert commits.loc[named["K1"], "dmm_unit_size"] == 1.0 and pd.isna(
        commits.loc[named["K2"], "dmm_unit_size"]
    )
    plain = database.connect(str(tmp_path / "plain.db"))
    ingest(plain, str(shop), IngestOptions(name=REPO, branch=named["K4"]))
    assert _commits(plain)[["dmm_unit_size"]].isna().all().all()
