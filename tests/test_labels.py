"""`qroi labels sample` / `calibrate`: a stratified sample to judge, judgements stored, precision and
recall measured from them (weighted back to the history), and printed under `qroi analyze`."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from qroi.sample_repos import noise
from tests.conftest import ClaimHistories, copy_store, run_qroi


@pytest.fixture(scope="module")
def noisy_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, noise.Planted]]:
    root = tmp_path_factory.mktemp("labels")
    repo, planted = noise.build(root / "noise")
    db = root / "n.db"
    assert run_qroi("ingest", str(repo), "--db", str(db), "--quiet").returncode == 0
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


def test_calibration_on_the_whole_history_is_plain_wilson(noisy, tmp_path: Path) -> None:
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
    low, high = proportion_confint(k, n, method="wilson")
    assert f"precision {k / n:.2f} [{low:.2f}-{high:.2f}] (n={n})" in done.stderr
    assert f"recall 1.00 [{proportion_confint(k, k, method='wilson')[0]:.2f}-1.00] (n={k})" in done.stderr


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
