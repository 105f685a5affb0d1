"""The AI-era lens end to end: the `ai_era` repository ingested by the real pipeline, its stored line
operations, churn, declarations and tree duplication checked against the planted truth, `qroi ai`
finding the planted level shift (and none on the planted null), incremental equal to fresh.

Every expected number comes from the scenario's manifest (sample_repos/scenarios/ai_era.py),
written down when the commit was made, or from git; none is computed by the code under test.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read.ai_frames import DECLARED_ONLY
from qroi.sample_repos import truth
from qroi.sample_repos.scenarios.ai_era import FIELDS
from qroi.store import database
from tests.conftest import git, run_qroi
from tests.storedump import dump

REPO = "aiera"
DAY = 86_400


@pytest.fixture(scope="module")
def manifest(ai_era_repo: Path) -> dict:
    return truth.load(ai_era_repo)


def rows(db: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


def lineops(db: Path) -> dict[str, dict[str, int]]:
    """Every stored commit_lineops row by sha, as plain SQL reads it."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute(
            "SELECT c.sha, l.* FROM commit_lineops l JOIN commits c ON c.id = l.commit_id"
        ).fetchall()
    records = [dict(zip(row.keys(), tuple(row), strict=True)) for row in found]
    return {r.pop("sha"): {k: v for k, v in r.items() if k not in ("commit_id", "repo_id")} for r in records}


def planted_churn(manifest: dict, days: int) -> Counter[str]:
    """Lines each commit wrote that were churned within `days`: the `churn` part and the line-operation part."""
    churn = Counter()
    for note in manifest["notes"]["churn"]:
        if note["window_days"] == days:
            churn[note["origin"]] += note["lines"]
    for note in manifest["notes"]["lens_churn"]:
        assert note["days_apart"] <= days
        churn[note["origin"]] += note["lines"]
    return churn


def test_stored_line_operations_are_the_planted_ones(ai_era_db: Path, manifest: dict) -> None:
    stored = lineops(ai_era_db)
    planted = manifest["notes"]["lineops"]
    assert len(stored) == len(planted) == manifest["commit_count"]
    for note in planted:
        got, want = stored[note["commit"]], note["totals"]
        assert want["moved_in"] == want["moved_out"], note["name"]
        expected = {
            **{f: want[f] for f in FIELDS if f not in ("moved_in", "moved_out")},
            "moved": want["moved_in"],
            "duplicated_block": int(note["duplicated_block"]),
        }
        assert {k: got[k] for k in expected} == expected, note["name"]
        assert got["operations"] == sum(
            want[f] for f in ("added", "deleted", "updated", "moved_in", "copy_pasted")
        )
    # Every changed line of a text file has exactly one class: the classes add up to git's numstat.
    numstat = dict(
        rows(
            ai_era_db,
            "SELECT c.sha, sum(ch.added) FROM changes ch JOIN commits c ON c.id = ch.commit_id "
            "WHERE ch.added IS NOT NULL GROUP BY c.sha",
        )
    )
    exported = run_qroi("export", "lineops", "-r", REPO, "--db", str(ai_era_db))
    assert exported.returncode == 0, exported.stderr
    for row in exported.stdout.splitlines()[1:]:
        cells = dict(zip(exported.stdout.splitlines()[0].split(","), row.split(","), strict=True))
        assert int(cells["lines_added"]) == (numstat.get(cells["sha"]) or 0), cells["sha"]


def test_stored_declarations_are_the_planted_flags(ai_era_db: Path, manifest: dict) -> None:
    stored = {
        sha: (bool(flagged), bool(automated), category, [m["rule"] for m in json.loads(matches)])
        for sha, flagged, automated, category, matches in rows(
            ai_era_db,
            """
                SELECT c.sha, d.flagged, d.automated, d.category, d.matches FROM ai_declarations d
                JOIN commits c ON c.id = d.commit_id""",
        )
    }
    planted = manifest["notes"]["ai_declared"]
    assert len(stored) == len(planted)
    for note in planted:
        category = "ai" if note["flagged"] else "bot" if note["automated"] else "human"
        assert stored[note["commit"]] == (note["flagged"], note["automated"], category, note["rules"]), note[
            "name"
        ]


def test_churn_is_the_planted_rewrites_and_empty_until_its_window_has_passed(
    ai_era_db: Path, manifest: dict
) -> None:
    stored = lineops(ai_era_db)
    assert {sha: v["churned"] for sha, v in stored.items() if v["churned"]} == dict(
        planted_churn(manifest, 14)
    )
    exported = run_qroi("export", "lineops", "-r", REPO, "--db", str(ai_era_db)).stdout.splitlines()
    header = exported[0].split(",")
    times = dict(rows(ai_era_db, "SELECT sha, authored_ts FROM commits"))
    last = max(times.values())
    for line in exported[1:]:
        cells = dict(zip(header, line.split(","), strict=True))
        young = times[cells["sha"]] + 14 * DAY > last
        assert (cells["churned"] == "") == young, cells["sha"]


def test_tree_duplication_at_each_month_end_is_the_planted_one(ai_era_db: Path, manifest: dict) -> None:
    stored = {
        at: (lines, duplicated, share)
        for at, lines, duplicated, share in rows(
            ai_era_db,
            """
        SELECT at, python_lines, duplicated_lines, share FROM tree_duplication WHERE kind = 'month'""",
        )
    }
    for note in manifest["notes"]["ai_monthly"]:
        lines, duplicated, share = stored[note["month"]]
        assert (lines, duplicated) == (note["python_lines"], note["duplicated_lines"]), note["month"]
        assert share == pytest.approx(duplicated / lines)
    months = {
        month
        for (month,) in rows(
            ai_era_db, "SELECT DISTINCT strftime('%Y-%m', committed_ts, 'unixepoch') FROM commits"
        )
    }
    assert set(stored) == months  # a linear history: every month with a commit ends on the mainline


def test_qroi_ai_finds_the_planted_level_shift_and_nothing_on_the_planted_null(
    ai_era_db: Path, manifest: dict, tmp_path: Path
) -> None:
    event = manifest["notes"]["ai_event"][0]
    out = tmp_path / "lens.json"
    shifted = run_qroi("ai", REPO, "--db", str(ai_era_db), "--event", event["date"], "--json", str(out))
    assert shifted.returncode == 0, shifted.stderr
    report = json.loads(out.read_text())
    change = next(c for c in report["event"]["changes"] if c["metric"] == "copy_paste_share")
    realized = event["mean_share_after"] - event["mean_share_before"]
    assert change["verdict"] in ("Level shift", "Level and slope change"), change["explanation"]
    assert (
        change["its"]["level_ci_low"] > 0
        and change["its"]["level_ci_low"] < realized < change["its"]["level_ci_high"]
    )
    assert (
        change["its"]["n_post"] == event["months_after"] and change["its"]["n_pre"] >= event["months_before"]
    )
    assert DECLARED_ONLY in shifted.stdout
    assert "copy_paste_share Level" in shifted.stderr and shifted.stderr.startswith(f"AI-era lens of {REPO}:")
    flagged = sum(1 for n in manifest["notes"]["ai_declared"] if n["flagged"])
    assert report["totals"]["ai_commits"] == flagged
    planted_months = {n["month"]: n for n in manifest["notes"]["ai_monthly"]}
    for month in report["monthly"]:
        if month["month"] in planted_months:
            assert month["copy_paste_share"] == pytest.approx(planted_months[month["month"]]["copy_share"])
            assert month["ai_commits"] == planted_months[month["month"]]["ai_commits"]

    # Before the adoption date every commit pastes with one constant probability: a planted null.
    before = event["date"]
    null = run_qroi(
        "ai",
        REPO,
        "--db",
        str(ai_era_db),
        "--since",
        "2021-06-01",
        "--until",
        before,
        "--event",
        "2022-01-01",
        "--metric",
        "copy_paste_share",
        "--json",
        str(out),
    )
    assert null.returncode == 0, null.stderr
    (change,) = json.loads(out.read_text())["event"]["changes"]
    assert change["verdict"] == "No clear change", change["explanation"]
    assert change["its"]["level_ci_low"] < 0 < change["its"]["level_ci_high"]


def test_an_incremental_ingest_equals_a_fresh_one(
    ai_era_repo: Path, ai_era_db: Path, manifest: dict, tmp_path: Path
) -> None:
    """Half the history first (cut inside the churn windows of L1 and of the month), then the rest."""
    cut = next(n["commit"] for n in manifest["notes"]["lineops"] if n["name"] == "L2")
    engine = database.connect(str(tmp_path / "half.db"))
    ingest(engine, str(ai_era_repo), IngestOptions(name=REPO, branch=cut, workers=1))
    first = lineops(tmp_path / "half.db")
    assert len(first) == 2 and sum(v["churned"] for v in first.values()) == 7  # L2 rewrote 7 lines of L1
    ingest(engine, str(ai_era_repo), IngestOptions(name=REPO, workers=1))
    fresh = database.connect(str(ai_era_db))
    assert dump(engine, REPO) == dump(fresh, REPO)


def test_changed_settings_recompute_exactly_what_depends_on_them(
    ai_era_repo: Path, ai_era_db: Path, manifest: dict, tmp_path: Path
) -> None:
    db = tmp_path / "changed.db"
    with sqlite3.connect(ai_era_db) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    rules = tmp_path / "ours.toml"
    rules.write_text(
        '[[rule]]\nid = "plan-trailer"\ntool = "our planner"\ncategory = "ai"\nwhere = "message"\n'
        'pattern = "Tune the"\n',
        encoding="utf-8",
    )
    changed = run_qroi(
        "ingest", str(ai_era_repo), "--db", str(db), "--churn-days", "21", "--ai-rules", str(rules)
    )
    assert changed.returncode == 0, changed.stderr
    stored = lineops(db)
    assert {sha: v["churned"] for sha, v in stored.items() if v["churned"]} == dict(
        planted_churn(manifest, 21)
    )
    tuned = {n["commit"] for n in manifest["notes"]["lineops"] if n["name"] in ("C2", "C4")}  # "Tune the ..."
    flagged = {
        sha
        for (sha,) in rows(
            db, "SELECT c.sha FROM ai_declarations d JOIN commits c ON c.id = d.commit_id WHERE d.flagged"
        )
    }
    assert flagged == {n["commit"] for n in manifest["notes"]["ai_declared"] if n["flagged"]} | tuned
    again = run_qroi(
        "ingest", "--no-headline", str(ai_era_repo), "--db", str(db)
    )  # options left out: as last time
    assert again.returncode == 0, again.stderr
    assert lineops(db) == stored
    assert {
        sha
        for (sha,) in rows(
            db, "SELECT c.sha FROM ai_declarations d JOIN commits c ON c.id = d.commit_id WHERE d.flagged"
        )
    } == flagged


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--min-copy", "0"), "--min-copy must be a whole number of lines >= 1"),
        (("--churn-days", "0"), "--churn-days must be a positive number of days"),
        (("--ai-rules", "/nonexistent/rules.toml"), "cannot read rule file /nonexistent/rules.toml"),
    ],
)
def test_bad_ai_options_are_one_clear_line(
    ai_era_repo: Path, tmp_path: Path, args: tuple[str, ...], error: str
) -> None:
    result = run_qroi("ingest", "--no-headline", str(ai_era_repo), "--db", str(tmp_path / "s.db"), *args)
    assert result.returncode == 2 and result.stderr.startswith(f"qroi: error: {error}"), result.stderr
    assert not (tmp_path / "s.db").exists(), "refused before any store is touched"


def test_bad_ai_command_input_is_one_clear_line(ai_era_db: Path) -> None:
    for args, error in (
        (("--event", "soon"), "--event must be a date such as 2024-03-01, not 'soon'"),
        (("--event", "2022-09-01", "--metric", "vibes"), "unknown --metric 'vibes'"),
        (("--metric", "moved_share"), "--metric chooses what the event study tests"),
    ):
        result = run_qroi("ai", REPO, "--db", str(ai_era_db), *args)
        assert result.returncode == 2 and result.stderr.startswith(f"qroi: error: {error}"), result.stderr
    missing = run_qroi("ai", "nothing", "--db", str(ai_era_db))
    assert missing.returncode == 2 and "no repository named 'nothing'" in missing.stderr


def test_a_release_tagged_later_is_measured_from_its_own_tree(
    ai_era_repo: Path, manifest: dict, tmp_path: Path
) -> None:
    """A tag added after the ingest points at an old commit the walk no longer reaches: its tree is read from git."""
    repo = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ai_era_repo), str(repo)], check=True)
    engine = database.connect(str(tmp_path / "s.db"))
    ingest(engine, str(repo), IngestOptions(name=REPO, workers=1))
    planted = next(n for n in manifest["notes"]["ai_monthly"] if n["month"] == "2022-03")
    end = git(repo, "rev-list", "-1", "--before=2022-04-01T00:00:00Z", "HEAD").strip()
    git(repo, "tag", "v1.0.0", end)
    result = ingest(engine, str(repo), IngestOptions(name=REPO, workers=1))
    assert result.commits_added == 0 and result.ai is not None and result.ai.duplication_points == 1
    ((sha, lines, duplicated),) = rows(
        tmp_path / "s.db",
        """
        SELECT c.sha, t.python_lines, t.duplicated_lines FROM tree_duplication t JOIN commits c ON c.id = t.commit_id
        WHERE t.kind = 'release' AND t.at = 'v1.0.0'""",
    )
    assert (sha, lines, duplicated) == (end, planted["python_lines"], planted["duplicated_lines"])
