"""Declared-AI vs other commits, and before/after an event, on generated data with planted truth.

Commits are generated so that declared-AI commits are bigger, touch more files and come from
less experienced authors (the confounding a raw comparison mistakes for an AI effect); the
outcomes depend on size and, when planted, on the AI flag by a known ratio or difference.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from qroi.analysis.ai_compare import CompareSpec, OutcomeSpec, compare_declared
from qroi.analysis.ai_event import event_study, monthly_metrics

COPY = OutcomeSpec("copy_pasted", "count", "copy/pasted lines")
MOVED = OutcomeSpec("moved", "count", "moved lines", more_is_worse=False)
BUGS = OutcomeSpec("bug_inducing", "binary", "chance of inducing a bug (SZZ)")
QUALITY = OutcomeSpec(
    "quality_delta", "continuous", "change in maintainability", more_is_worse=False, unit="MI points"
)


def commits(
    seed: int,
    n: int = 1200,
    *,
    copy_ratio: float = 1.0,
    moved_ratio: float = 1.0,
    risk_ratio: float = 1.0,
    quality_diff: float = 0.0,
    authors: int = 60,
    copy_rate: float = 0.03,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ai = (rng.random(n) < 0.3).astype(int)
    lines = np.maximum(1, np.round(np.exp(rng.normal(3 + 0.6 * ai, 1.0))))
    files = 1 + rng.poisson(0.5 + lines / 40)
    experience = rng.poisson(40 * np.exp(-0.3 * ai))

    def nb(mu: np.ndarray, r: float = 1.5) -> np.ndarray:
        return rng.negative_binomial(r, r / (r + mu))

    bug_p = np.clip(0.08 * (lines / 20) ** 0.3 * risk_ratio**ai, 0, 1)
    return pd.DataFrame(
        {
            "ai": ai,
            "operations": lines,
            "files": files,
            "author_experience": experience,
            "author": rng.integers(0, authors, n),
            "automated": False,
            "copy_pasted": nb(copy_rate * lines * copy_ratio**ai),
            "moved": nb(0.05 * lines * moved_ratio**ai),
            "bug_inducing": (rng.random(n) < bug_p).astype(int),
            "quality_delta": rng.normal(0, 2, n) + quality_diff * ai - 0.3 * np.log(lines),
        }
    )


def test_a_planted_effect_on_copy_paste_is_recovered_and_the_confounding_shown() -> None:
    report = compare_declared(commits(1, copy_ratio=2.0), [COPY])
    copy = report["copy_pasted"]
    assert copy.status == "ok" and copy.verdict == "Supported" and copy.clustered
    unadjusted, size, full = copy.effects
    assert (unadjusted.level, full.level) == ("unadjusted", "size+files+experience")
    assert full.ci_low < 2.0 < full.ci_high and full.ci_low > 1.1
    assert unadjusted.estimate > 1.5 * full.estimate  # AI commits are bigger: the raw ratio overstates
    assert full.adjusted_for == ("commit size", "files touched", "author experience")
    assert copy.explanation.startswith(f"Supported: declared-AI commits have {full.estimate:.2f}x [")
    assert (
        "after adjusting for commit size, files touched and author experience (more, as the concern says"
        in (copy.explanation)
    )
    assert copy.flagged_mean > 2 * copy.other_mean


def test_an_outcome_counted_in_the_size_is_adjusted_for_the_rest_of_the_commit() -> None:
    data = commits(12, copy_ratio=2.0, copy_rate=0.5)
    data["operations"] += data["copy_pasted"]  # copy/pasted lines are line operations of the commit too
    naive = compare_declared(data, [COPY])["copy_pasted"].adjusted
    rest = compare_declared(
        data, [OutcomeSpec("copy_pasted", "count", "copy/pasted lines", part_of_size=True)]
    )
    adjusted = rest["copy_pasted"].adjusted
    assert (
        adjusted.ci_low < 2.0 < adjusted.ci_high and naive.ci_high < 2.0
    )  # the naive size absorbs the effect
    assert adjusted.adjusted_for[0] == "the rest of the commit's size"
    assert (
        "after adjusting for the rest of the commit's size, files touched" in rest["copy_pasted"].explanation
    )


def test_fewer_moved_lines_is_the_concern_for_moved_code() -> None:
    moved = compare_declared(commits(2, moved_ratio=0.5), [MOVED])["moved"]
    assert moved.verdict == "Supported" and moved.adjusted.ci_low < 0.5 < moved.adjusted.ci_high
    assert "(less, as the concern says;" in moved.explanation
    more = compare_declared(commits(2, moved_ratio=2.0), [MOVED])["moved"]
    assert more.verdict == "Contradicted" and "the opposite of the concern" in more.explanation


def test_a_planted_risk_ratio_for_bug_inducing_commits_is_recovered() -> None:
    bugs = compare_declared(commits(3, n=5000, risk_ratio=1.8), [BUGS])["bug_inducing"]
    assert bugs.verdict == "Supported" and bugs.adjusted.ci_low < 1.8 < bugs.adjusted.ci_high
    assert bugs.adjusted.model == "Poisson risk ratio, cluster-robust by author SE"
    assert bugs.flagged_mean > bugs.other_mean


def test_a_planted_quality_difference_is_recovered_in_its_units() -> None:
    quality = compare_declared(commits(4, quality_diff=-0.8), [QUALITY])["quality_delta"]
    full = quality.adjusted
    assert quality.verdict == "Supported" and full.ci_low < -0.8 < full.ci_high
    assert full.log_scale == pytest.approx(
        full.estimate / np.std(commits(4, quality_diff=-0.8)["quality_delta"], ddof=1)
    )
    assert "MI points" in quality.explanation and "SD)" in quality.explanation


def test_no_planted_effect_gives_no_verdict_of_difference() -> None:
    report = compare_declared(commits(5), [COPY, MOVED, BUGS, QUALITY])
    for c in report.comparisons:
        assert c.verdict in ("No effect (equivalent)", "Inconclusive"), c.explanation
        neutral = 0.0 if c.kind == "continuous" else 1.0
        assert c.adjusted.ci_low < neutral < c.adjusted.ci_high
    assert report.holm_family_size == 4 and all(c.p_holm >= c.adjusted.p_value for c in report.comparisons)
    frame = report.summary_frame()
    assert list(frame["outcome"]) == ["copy_pasted", "moved", "bug_inducing", "quality_delta"]
    text = json.dumps(report.to_dict(), allow_nan=False)
    assert "Only declared AI assistance is found" in text


def test_thin_data_missing_columns_and_automation() -> None:
    data = commits(6, n=200)
    few = data.assign(ai=0)
    few.loc[:4, "ai"] = 1
    refused = compare_declared(few, [COPY])["copy_pasted"]
    assert (refused.status, refused.verdict) == ("Too little data", "Too little data")
    assert refused.reason == "5 declared-AI and 195 other commits (need at least 10 in each group)"
    assert (
        compare_declared(data.head(20), [COPY])["copy_pasted"].reason
        == "only 20 usable commits (need at least 30)"
    )
    with pytest.raises(ValueError, match="column 'churned' not found"):
        compare_declared(data, [OutcomeSpec("churned", "count", "churn")])
    bots = data.assign(automated=np.arange(len(data)) < 50)
    result = compare_declared(bots, [COPY])["copy_pasted"]
    assert result.n_commits == 150 and any("50 commits left out" in w for w in result.warnings)
    few_authors = compare_declared(commits(6, n=300, authors=5), [COPY])["copy_pasted"]
    assert not few_authors.clustered and any("5 authors" in w for w in few_authors.warnings)
    with pytest.raises(ValueError, match="binary outcome 'copy_pasted' must hold 0/1 values"):
        compare_declared(data, [OutcomeSpec("copy_pasted", "binary", "x")])
    with pytest.raises(ValueError, match="sesoi must be a ratio above 1"):
        CompareSpec(sesoi=0.9)


def test_a_precise_null_is_called_equivalent() -> None:
    copy = compare_declared(commits(11, n=8000, authors=400), [COPY], CompareSpec(sesoi=1.3))["copy_pasted"]
    assert copy.verdict == "No effect (equivalent)" and copy.tost_p < 0.05
    assert 1 / 1.3 < copy.adjusted.ci_low < copy.adjusted.ci_high < 1.3
    assert "inside the equivalence region 0.77-1.30 (TOST p" in copy.explanation


def test_monthly_metrics_are_ratios_of_sums_with_empty_months_listed() -> None:
    rows = pd.DataFrame(
        {
            "authored_at": [
                pd.Timestamp("2024-01-05", tz="UTC").timestamp(),
                pd.Timestamp("2024-01-20", tz="UTC").timestamp(),
                pd.Timestamp("2024-03-02", tz="UTC").timestamp(),
            ],
            "added": [10, 0, 4],
            "deleted": [0, 2, 0],
            "updated": [5, 0, 0],
            "moved": [0, 3, 0],
            "copy_pasted": [5, 0, 4],
            "ai": [True, False, True],
            "duplicated_block": [True, False, True],
            "churned": [2.0, 0.0, np.nan],
            "lines_added": [20, 3, 8],
        }
    )
    monthly = monthly_metrics(rows)
    assert list(monthly["month"]) == ["2024-01", "2024-02", "2024-03"]
    jan, feb, mar = (monthly.iloc[i] for i in range(3))
    assert (jan["commits"], jan["operations"], jan["ai_commits"]) == (2, 25, 1)
    assert jan["copy_paste_share"] == pytest.approx(5 / 25) and jan["moved_share"] == pytest.approx(3 / 25)
    assert jan["churn_share"] == pytest.approx(2 / 23) and jan["duplicated_block_share"] == 0.5
    assert feb["commits"] == 0 and math.isnan(feb["copy_paste_share"])
    assert mar["copy_paste_share"] == 0.5 and math.isnan(
        mar["churn_share"]
    )  # window not elapsed: unknown, not 0
    iso = monthly_metrics(
        rows.assign(
            authored_at=["2024-01-31T23:30:00-02:00", "2024-01-20T10:00:00Z", "2024-03-02T00:00:00+00:00"]
        )
    )
    assert list(iso["month"]) == ["2024-01", "2024-02", "2024-03"]
    assert list(iso["commits"]) == [1, 1, 1]  # 23:30 on January 31 at -02:00 is February in UTC


def generated_commits(seed: int, *, shift: float, months: int = 36, event_at: int = 18) -> pd.DataFrame:
    """Commits per month with AR(1)-drifting copy/paste odds; from `event_at`, odds times exp(shift)."""
    rng = np.random.default_rng(seed)
    rows = []
    drift = 0.0
    for m in range(months):
        drift = 0.5 * drift + rng.normal(0, 0.25)
        logit = -2.2 + drift + (shift if m >= event_at else 0.0)
        p = 1 / (1 + math.exp(-logit))
        start = pd.Timestamp("2021-01-01", tz="UTC") + pd.DateOffset(months=m)
        for _ in range(rng.poisson(40)):
            paste = rng.random() < p
            rows.append(
                {
                    "authored_at": start + pd.Timedelta(days=int(rng.integers(0, 27))),
                    "added": 20,
                    "deleted": 0,
                    "updated": 0,
                    "moved": 0,
                    "copy_pasted": 8 if paste else 0,
                }
            )
    return pd.DataFrame(rows)


def planted_share(logit: float) -> float:
    p = 1 / (1 + math.exp(-logit))
    return 8 * p / (20 + 8 * p)


def test_event_study_recovers_a_planted_level_shift_and_reports_none_on_a_null() -> None:
    shifted = monthly_metrics(generated_commits(7, shift=1.5))
    report = event_study(shifted, "2022-07-01", ["copy_paste_share"])
    change = report["copy_paste_share"]
    planted = planted_share(-2.2 + 1.5) - planted_share(-2.2)
    assert change.verdict == "Level shift" and report.event == "2022-07"
    assert change.its.level_ci_low < planted < change.its.level_ci_high and change.its.level_ci_low > 0
    assert (change.its.n_pre, change.its.n_post) == (18, 18)
    assert change.explanation.startswith("Level shift: copy/paste share of line operations, level +")
    assert " points [" in change.explanation and "AR(1) errors" in change.explanation
    assert any("not proof that the event caused it" in c for c in report.caveats)

    null = event_study(monthly_metrics(generated_commits(8, shift=0.0)), "2022-07-01", ["copy_paste_share"])
    assert null["copy_paste_share"].verdict == "No clear change"
    assert null["copy_paste_share"].its.level_ci_low < 0 < null["copy_paste_share"].its.level_ci_high


def test_event_study_refusals_and_bad_input() -> None:
    monthly = monthly_metrics(generated_commits(9, shift=0.0, months=10, event_at=5))
    short = event_study(monthly, "2021-06-01", ["copy_paste_share", "moved_share"])
    assert short["copy_paste_share"].verdict == "Too little data"
    assert short["copy_paste_share"].explanation.endswith("only 10 periods (need at least 12).")
    with pytest.raises(ValueError, match="event must be a date"):
        event_study(monthly, "soon", ["copy_paste_share"])
    with pytest.raises(ValueError, match="metric 'churn_share' not found"):
        event_study(monthly, "2021-06-01", ["churn_share"])
    json.dumps(short.to_dict(), allow_nan=False)
    assert list(short.summary_frame()["metric"]) == ["copy_paste_share", "moved_share"]
