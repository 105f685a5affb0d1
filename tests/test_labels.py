"""`qroi labels sample` / `calibrate`: a stratified sample to judge, judgements stored, precision and
recall measured from them (weighted back to the history), and printed under `qroi analyze`."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from qroi.analysis import label_error
from qroi.sample_repos import noise
from tests.conftest import ClaimHistories, copy_store, run_qroi


@pytest.fixture(scope="module")
def noisy_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, noise.Planted]]:
    root = tmp_path_factory.mktemp("labels")
    repo, planted = noise.build(root / "noise")
    db = root / "n.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    return repo, db, dict(planted)


@pytest.fixture
def noisy(noisy_store, tmp_path: Path) -> tuple[Path, Path, dict[str, noise.Planted]]:
    """A copy of the store per test: judgements of one test do not weigh in another's."""
    repo, db, planted = noisy_store
    own = tmp_path / "own.db"
    shutil.copy(db, own)
    return repo, own, planted


def _sample(db: Path, out: Path, n: int, seed: int = 0) -> list[dict[str, str]]:
    done = run_qroi(
        "labels", "sample", "noise", "--n", str(n), "--seed", str(seed), "--out", str(out), "--db", str(db)
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"sampled {n} commits of noise")
    return list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"))))


def _write(rows: list[dict[str, str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _stored_kinds(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT sha, kind FROM commits"))


def test_sample_is_stratified_and_reproducible(noisy, tmp_path: Path) -> None:
    _, db, _ = noisy
    rows = _sample(db, tmp_path / "a.csv", 12)
    kinds = _stored_kinds(db)
    fixes = sum(k == "fix" for k in kinds.values())
    assert sum(r["kind"] == "fix" for r in rows) == min(fixes, 6)  # half the sample from the fixes
    assert len({r["kind"] for r in rows}) >= 6  # every other kind gets a share while the budget lasts
    for r in rows:
        assert kinds[r["sha"]] == r["kind"] and r["judgement"] == "" and r["rule"]
        assert int(r["stratum_size"]) == sum(k == r["kind"] for k in kinds.values())
    assert [r["sha"] for r in _sample(db, tmp_path / "b.csv", 12)] == [r["sha"] for r in rows]
    assert [r["sha"] for r in _sample(db, tmp_path / "c.csv", 12, seed=1)] != [r["sha"] for r in rows]


def _printed(text: str, name: str) -> tuple[float, float, float, int]:
    found = re.search(rf"{name} ([0-9.]+) \[([0-9.]+)-([0-9.]+)\] \(n=(\d+)\)", text)
    assert found, text
    value, low, high, n = found.groups()
    return float(value), float(low), float(high), int(n)


def test_calibration_of_the_whole_history_is_exact(noisy, tmp_path: Path) -> None:
    _, db, planted = noisy
    out = tmp_path / "all.csv"
    rows = _sample(db, out, len(planted))  # every commit: all weights are 1
    fixes = [r for r in rows if r["kind"] == "fix"]
    for r in rows:
        r["judgement"] = "ok"
    fixes[0]["judgement"] = "feature"  # one fix label judged wrong
    _write(rows, out)
    done = run_qroi("labels", "calibrate", "noise", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    k, n = len(fixes) - 1, len(fixes)
    # Every commit judged: nothing is left to estimate, so each interval is the figure itself.
    assert _printed(done.stderr, "precision") == (round(k / n, 2), round(k / n, 2), round(k / n, 2), n)
    assert _printed(done.stderr, "recall") == (1.0, 1.0, 1.0, k)


def test_recall_weights_the_fixes_hidden_in_large_strata(noisy, tmp_path: Path) -> None:
    _, db, _ = noisy
    out = tmp_path / "few.csv"
    rows = _sample(db, out, 8, seed=3)
    hidden = max((r for r in rows if r["kind"] != "fix"), key=lambda r: int(r["stratum_size"]))
    for r in rows:
        r["judgement"] = "ok"
    hidden["judgement"] = "fix"  # stands for stratum_size / sampled commits of its kind
    _write(rows, out)
    done = run_qroi("labels", "calibrate", "noise", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    fix_rows = [r for r in rows if r["kind"] == "fix"]
    fix_weight = int(fix_rows[0]["stratum_size"])  # every labelled fix judged right
    same = [r for r in rows if r["kind"] == hidden["kind"]]
    missed = int(hidden["stratum_size"]) / len(same)
    assert f"recall {fix_weight / (fix_weight + missed):.2f}" in done.stderr


def test_bad_judgements_are_refused_whole(noisy, tmp_path: Path) -> None:
    _, db, _ = noisy
    out = tmp_path / "bad.csv"
    rows = _sample(db, out, 4)
    rows[0]["judgement"], rows[1]["judgement"] = "ok", "bugfixx"
    _write(rows, out)
    done = run_qroi("labels", "calibrate", "noise", str(out), "--db", str(db))
    assert done.returncode == 2 and done.stderr.startswith("qroi: error: line 3: judgement 'bugfixx'")
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT count(*) FROM label_judgements").fetchone()[0]
    assert run_qroi("labels", "calibrate", "noise", str(out), "--db", str(db)).returncode == 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM label_judgements").fetchone()[0] == before


def test_analyze_prints_the_measured_label_error_and_a_sensitivity_line(
    claim_histories: ClaimHistories, tmp_path: Path
) -> None:
    db = copy_store(claim_histories.db, tmp_path / "c.db")  # calibrate writes judgements
    args = (
        "analyze",
        "effect",
        "--db",
        str(db),
        "--window",
        "3M",
        "--quality",
        "cc_density",
        "--outcome",
        "defects",
        "--boot",
        "0",
    )
    before = run_qroi(*args)
    assert before.returncode == 0, before.stderr
    assert "effect: the fix label is not calibrated" in before.stdout
    out = tmp_path / "s.csv"
    done = run_qroi("labels", "sample", "effect", "--n", "20", "--out", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"))))
    fixes = [r for r in rows if r["kind"] == "fix"]
    for r in rows:
        r["judgement"] = "feature" if r in fixes[: len(fixes) // 2] else "ok"
    _write(rows, out)
    assert run_qroi("labels", "calibrate", "effect", str(out), "--db", str(db)).returncode == 0
    after = run_qroi(*args)
    assert after.returncode == 0, after.stderr
    k, n = len(fixes) - len(fixes) // 2, len(fixes)
    assert f"precision {k / n:.2f}" in after.stdout
    assert "sensitivity of" in after.stdout and "corrected for the measured misclassification" in after.stdout


def _judged(cells: list[tuple[str, int, str, str, int]]) -> pd.DataFrame:
    """(stratum, its size, current kind, judgement, how many such commits) -> judgements."""
    rows = [
        {
            "sha": f"{stratum}{kind}{judged}{i}",
            "kind": kind,
            "labelled": stratum,
            "judged": judged,
            "stratum_size": size,
        }
        for stratum, size, kind, judged, count in cells
        for i in range(count)
    ]
    return pd.DataFrame(rows)


def test_one_stratum_gives_the_jeffreys_interval() -> None:
    big = 1_000_000  # a sample from a history this large is a sample from a binomial process
    measured = label_error.measure(_judged([("fix", big, "fix", "fix", 27), ("fix", big, "fix", "ok", 3)]))
    assert measured is not None and measured.precision.value == pytest.approx(27 / 30)
    jeffreys = stats.beta(27 + 0.5, 3 + 0.5).ppf([0.025, 0.975])
    assert measured.precision.low == pytest.approx(jeffreys[0], abs=0.005)
    assert measured.precision.high == pytest.approx(jeffreys[1], abs=0.005)


def test_a_large_stratum_without_seen_fixes_leaves_recall_uncertain() -> None:
    # 27 of 30 labelled fixes are fixes; none of 40 judged among 1,254 other commits is one.
    judged = _judged(
        [("fix", 62, "fix", "fix", 27), ("fix", 62, "fix", "ok", 3), ("other", 1254, "feature", "ok", 40)]
    )
    recall = label_error.measure(judged).recall
    assert recall.value == 1.0 and recall.n == 27
    # Up to ~1/40 of the 1,254 may be fixes nobody saw: recall's interval reaches far below 1.
    assert recall.low < 0.6 and recall.high > 0.95
    fewer = label_error.measure(_judged([("fix", 62, "fix", "fix", 27), ("fix", 62, "fix", "ok", 3)]))
    assert fewer.recall.low > recall.low  # without the big stratum, nothing hides fixes


def test_monthly_feature_commits_are_the_commits_of_kind_feature(noisy_store) -> None:
    """Throughput counts features, not every commit that is not a fix (issue 12, item 9): the
    planted docs, test, style, refactor and release commits are not delivered features."""
    from qroi.analysis.claim import monthly
    from qroi.store import database

    _, db, planted = noisy_store
    engine = database.connect(str(db))
    frame = monthly(engine, "noise")
    engine.dispose()
    truth = [p.kind_without_issues() for p in planted.values()]
    assert frame["feature_commits"].sum() == truth.count("feature")
    not_fix = sum(k not in ("fix", "revert", "merge") for k in truth)
    assert truth.count("feature") < not_fix  # the old definition would count these too
