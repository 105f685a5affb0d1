"""`qroi payback`: planted payback recovered, a null and a regression-to-the-mean trap not Supported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from qroi.analysis.claim import claim_test
from qroi.analysis.payback import DesignOptions, PaybackOutcome, PaybackResult, estimate_payback, payback_test
from qroi.analysis.payback_simulate import payback_panel
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import investments
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import run_qroi
from tests.test_dashboard_apptest import values

pytestmark = pytest.mark.xdist_group("payback")
APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


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


def _with_fixes(ratio: float, low: float, high: float) -> PaybackResult:
    """A result whose bug-fix outcome has this ratio and interval (the other outcomes as found)."""
    fixes = PaybackOutcome(
        "bugfix_commits", "bug-fix rate", "count", "x", ratio=ratio, ci_low=low, ci_high=high
    )
    cost = {"commits": 4, "files": 4, "changed_lines": 400, "author_days": 5}
    return PaybackResult("r", "3M", 12, cost, 2, (fixes,), observed_fixes_after=20, hourly_cost=50.0)


def test_a_break_even_is_given_only_when_the_payback_is_shown() -> None:
    paid = _with_fixes(0.5, 0.3, 0.8).break_even()
    assert paid is not None and paid["paid_back"]
    assert paid["avoided_fixes"] == pytest.approx(20.0)  # 20 x (1 / 0.5 - 1)
    assert paid["break_even_cost_per_fix"] == pytest.approx(5 * 8 * 50 / 20.0)
    assert paid["statement"] == "they pay back if a bug fix costs more than 100."
    spans = _with_fixes(0.8, 0.5, 1.3).break_even()
    assert spans is not None and not spans["paid_back"] and spans["break_even_cost_per_fix"] is None
    assert "includes 1 (no effect)" in spans["statement"] and "no break-even" in spans["statement"]
    worse = _with_fixes(1.4, 1.1, 1.8).break_even()
    assert worse is not None and not worse["paid_back"] and worse["break_even_cost_per_fix"] is None
    assert worse["statement"].startswith("they did not pay back on bug fixes")
    assert "pay back if" not in spans["statement"] + worse["statement"]


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
    even = data["break_even"]
    assert even["cost"] == data["cost"]["author_days"] * 8 * 80
    assert even["paid_back"] and even["statement"] in " ".join(done.stdout.split())
    assert even["break_even_cost_per_fix"] == pytest.approx(even["cost"] / even["avoided_fixes"])
    bad = run_qroi("payback", "missing", "--db", str(planted["db"]))
    assert bad.returncode == 2 and bad.stderr.startswith("qroi: error:")


def test_cli_says_plainly_when_there_is_no_payback_to_break_even_on(planted, tmp_path: Path) -> None:
    out = tmp_path / "null.json"
    done = run_qroi("payback", "null", "--db", str(planted["db"]), "--hourly-cost", "80", "--json", str(out))
    assert done.returncode == 0, done.stderr
    even = json.loads(out.read_bytes())["break_even"]
    assert not even["paid_back"] and even["break_even_cost_per_fix"] is None
    shown = " ".join(done.stdout.split())
    assert even["statement"] in shown and "pay back if a bug fix costs more" not in shown
    assert "no break-even" in even["statement"]


def test_dashboard_leads_with_the_three_answers(planted, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Does quality pay?" opens with cost, payback and curve, each with the numbers the CLI gives."""
    monkeypatch.setenv("QROI_DB", str(planted["db"]))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["claim_precision"] = "quick"  # the form's own test below the answers: Wald intervals
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    links = [e for e in at.get("page_link")]
    assert any("Does quality pay? Three answers" in str(e.proto.label) for e in links)
    at.multiselect(key="repos").set_value(["effect"])
    at.switch_page("views/claim.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    for question in (
        "1. Do worse files cost more?",
        "2. Did quality work pay back?",
        "3. What does the curve",
    ):
        assert question in text
    paid = payback_test(planted["engine"], "effect")
    assert paid.sentence()[1:] in text
    for o in paid.outcomes:
        assert (
            f"{o.ratio:.2f}× (95% CI {o.ci_low:.2f}–{o.ci_high:.2f})" in text and f"**{o.verdict}**" in text
        )
    cost = claim_test(
        planted["engine"],
        ["effect"],
        ["cc_density"],
        ["defects", "cycle_time", "max_cycle_time"],
        "6M",
        n_boot=0,
    )
    for h in cost.report.hypotheses:
        assert f"{h.adjusted.ratio:.2f}× (95% CI {h.adjusted.ci_low:.2f}–{h.adjusted.ci_high:.2f})" in text
    dose = cost.report.hypotheses[0].dose_response
    assert dose is not None and dose.shape.reading in text
    drawn = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert values(drawn["y"]) == pytest.approx([b.outcome for b in dose.bins])
