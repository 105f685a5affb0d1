"""`qroi payback`: planted payback recovered, a null and a regression-to-the-mean trap not Supported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qroi.analysis.payback import DesignOptions, PaybackResult, estimate_payback, payback_test
from qroi.analysis.payback_simulate import payback_panel
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import investments
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import run_qroi

pytestmark = pytest.mark.xdist_group("payback")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("payback")
    engine = database.connect(str(root / "p.db"))
    repos = {}
    for kind in ("effect", "null", "rtm"):
        repos[kind] = build(f"payback_{kind}", root / kind)
        ingest(engine, str(repos[kind]), IngestOptions(workers=2))
    return {"engine": engine, "db": root / "p.db", **repos}


def _truth(repo: Path) -> dict:
    return json.loads((repo / ".git" / "qroi-truth.json").read_text())["notes"]["payback"][0]


def _result(engine: Engine, kind: str) -> PaybackResult:
    result = payback_test(engine, kind)
    for o in result.outcomes:
        print(f"\n{kind} {o.outcome}: {o.ratio} [{o.ci_low}-{o.ci_high}] {o.verdict}; naive {o.naive_ratio}")
    return result


def test_the_planted_refactorings_are_the_investments_found(planted) -> None:
    truth = _truth(planted["effect"])
    found = investments.investments(planted["engine"], "effect")
    assert set(found["sha"]) == {r["commit"] for r in truth["refactorings"]}
    assert (found["rule"] == "refactor").all()
    assert (found["density_after"] < found["density_before"]).all()


def test_planted_payback_is_recovered_with_its_ratio_inside_the_interval(planted) -> None:
    result = _result(planted["engine"], "effect")
    ratio = _truth(planted["effect"])["payback_ratio"]
    fixes, cycle = result.outcome("bugfix_commits"), result.outcome("cycle_time")
    assert fixes.verdict == "Supported"
    assert fixes.ci_low <= ratio <= fixes.ci_high
    assert cycle.ci_low <= ratio <= cycle.ci_high and cycle.ratio < 1
    assert result.cost["commits"] == len(_truth(planted["effect"])["refactorings"])
    assert "were followed by" in result.sentence()


def test_null_payback_is_not_supported(planted) -> None:
    fixes = _result(planted["engine"], "null").outcome("bugfix_commits")
    assert fixes.verdict != "Supported"
    assert fixes.ci_low <= 1 <= fixes.ci_high


def test_refactorings_after_bug_bursts_fool_the_naive_comparison_but_not_the_design(planted) -> None:
    fixes = _result(planted["engine"], "rtm").outcome("bugfix_commits")
    assert fixes.naive_ci is not None and fixes.naive_ci[1] < 1  # before/after alone: a "win"
    assert fixes.verdict != "Supported"


def test_false_positive_rate_over_many_null_seeds_stays_near_nominal() -> None:
    """Thirty seeds of a null panel (a bigger run: bench/payback_false_positives.py)."""
    found = 0
    for seed in range(30):
        panel, first = payback_panel(seed, files=40, windows=12, invested=12)
        outcome = estimate_payback(panel, first, DesignOptions())[0]
        found += outcome.verdict in ("Supported", "Contradicted")
    print(f"\nfalse positives: {found} of 30")
    assert found <= 4


def test_a_planted_panel_effect_is_covered_and_mostly_found() -> None:
    """Ten seeds of a panel with 0.4x after investment: the interval covers it (about 95%) and
    the verdict is Supported in most (the power of 24 invested files)."""
    covered = supported = 0
    for seed in range(10):
        panel, first = payback_panel(seed, ratio=0.4, invested=24)
        outcome = estimate_payback(panel, first, DesignOptions())[0]
        covered += outcome.ci_low <= 0.4 <= outcome.ci_high
        supported += outcome.verdict == "Supported"
    print(f"\ncovered {covered} of 10, Supported {supported} of 10")
    assert covered >= 8 and supported >= 6


def test_cli_prints_the_table_break_even_and_json(planted, tmp_path: Path) -> None:
    out = tmp_path / "payback.json"
    done = run_qroi(
        "payback", "effect", "--db", str(planted["db"]), "--hourly-cost", "80", "--json", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "Break-even at 80.00/hour" in done.stdout
    assert done.stderr.strip().startswith("payback of effect:")
    data = json.loads(out.read_bytes())
    rows = {o["outcome"]: o for o in data["outcomes"]}
    assert set(rows) == {"bugfix_commits", "cycle_time", "churn"}
    for row in rows.values():
        assert {"outcome", "ratio", "ci_low", "ci_high", "verdict"} <= set(row)
    assert data["break_even"]["cost"] == data["cost"]["author_days"] * 8 * 80
    bad = run_qroi("payback", "missing", "--db", str(planted["db"]))
    assert bad.returncode == 2 and bad.stderr.startswith("qroi: error:")
