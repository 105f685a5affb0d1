"""Confounders an audit on real repositories found: calendar time, SZZ's late bugs, the exposure path.

Each test builds a panel (with the claim test's own column names where the claim's hypotheses are
used) whose truth is known, and checks the verdict follows the truth, not the confounder.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from qroi.analysis import HypothesisSpec, analyze, analyze_hypothesis
from qroi.analysis.claim import hypotheses
from qroi.analysis.simulate import simulate_count_panel, simulate_time_panel
from tests.conftest import run_qroi

CLAIM_NAMES = {
    "unit": "lineage",
    "quality": "mi",
    "outcome": "bugfix_commits",
    "size": "sloc",
    "exposure": "commits",
}


def test_quality_and_bugs_both_trending_with_calendar_time_is_not_a_quality_effect():
    """Quality gets worse and bug fixes get more frequent window by window (a project growing up),
    with nothing between them within a window. Without window effects the adjusted rung said
    "Supported" at ~1.4x; with them it is the within-window truth, ~1."""
    panel = simulate_count_panel(
        120, n_windows=6, window_trend=0.3, size_corr=0.5, unit_sd=0.3, seed=1
    ).rename(columns=CLAIM_NAMES)
    [spec] = hypotheses(["mi"], ["defects"], n_boot=0)
    assert spec.period == "window"
    naive = analyze_hypothesis(panel, dataclasses.replace(spec, period=None))
    assert naive.verdict == "Supported" and naive.adjusted.ratio > 1.25, "precondition: the trap fools it"
    r = analyze_hypothesis(panel, spec)
    assert r.verdict != "Supported" and r.adjusted.ci_low < 1 < r.adjusted.ci_high
    assert r.adjusted.adjusted_for == ("sloc", "commits", "window")
    assert "after adjusting for size, change frequency and calendar window" in r.explanation
    # The raw rung stays raw: the trend shows there, for the reader to watch it vanish.
    assert r.effects[0].adjusted_for == () and r.effects[0].ratio > 1.5


def test_szz_outcomes_leave_out_the_right_censored_last_windows_and_say_so():
    panel = simulate_count_panel(60, n_windows=6, size_corr=0.3, seed=4).rename(
        columns={**CLAIM_NAMES, "outcome": "bug_inducing"}
    )
    why = "SZZ finds a bug's origin only once it is fixed, a median 200 days later here"
    [szz] = hypotheses(["mi"], ["bug_inducing"], n_boot=0, szz_censored=(2, why))
    [fixes] = hypotheses(["mi"], ["defects"], n_boot=0, szz_censored=(2, why))
    assert (szz.censored_periods, fixes.censored_periods) == (2, 0)
    r = analyze_hypothesis(panel, szz)
    reason = f"last 2 windows, outcome not yet complete ({why})"
    assert r.dropped == {reason: 120} and r.n_rows == 240
    assert f"Left out: the {reason}, 120 file-windows." in r.explanation
    assert analyze_hypothesis(panel.rename(columns={"bug_inducing": "bugfix_commits"}), fixes).n_rows == 360


def _change_prone_panel(seed: int = 5, n_files: int = 150, n_windows: int = 6) -> tuple[pd.DataFrame, float]:
    """Worse files are changed more often (1.9x commits per SD, many file-windows with none), and
    each change is equally likely a bug fix whatever the quality: quality pays only through
    change-proneness."""
    rng = np.random.default_rng(seed)
    log_size = rng.normal(5.0, 1.0, n_files)
    z = 0.5 * (log_size - 5) + np.sqrt(0.75) * rng.normal(size=n_files)
    z = (z - z.mean()) / z.std()
    unit = np.repeat(np.arange(n_files), n_windows)
    ratio = 1.9
    mu = 0.6 * np.exp(0.5 * (log_size[unit] - 5) + np.log(ratio) * z[unit])
    commits = rng.negative_binomial(2, 2 / (2 + mu))
    panel = pd.DataFrame(
        {
            "lineage": [f"pkg/mod_{u:03d}.py" for u in unit],
            "window": np.tile(np.arange(n_windows), n_files),
            "mi": 70 - 10 * z[unit],
            "sloc": np.round(np.exp(log_size[unit])) + 1,
            "commits": commits,
            "bugfix_commits": rng.binomial(commits, 0.3),
        }
    )
    return panel, ratio


def test_change_proneness_keeps_the_file_windows_without_commits_and_finds_the_path():
    panel, planted = _change_prone_panel()
    zero = int((panel["commits"] == 0).sum())
    assert zero > len(panel) / 3, "precondition: many file-windows have no commit"
    report = analyze(panel, hypotheses(["mi"], ["defects", "change_proneness"], n_boot=0))
    defects, proneness = report["mi -> bugfix_commits"], report["mi -> commits"]
    # Change-proneness: every file-window kept, size the only covariate (plus window effects).
    assert proneness.n_rows == len(panel) and proneness.n_dropped == 0
    assert [e.level for e in proneness.effects] == ["unadjusted", "size"]
    assert proneness.verdict == "Supported"
    assert proneness.adjusted.ci_low < planted < proneness.adjusted.ci_high
    # The exposure rung adjusts that path away and cannot see the file-windows without a commit.
    assert defects.dropped == {"non-positive commits (log undefined)": zero}
    assert defects.adjusted.ci_low < 1 < defects.adjusted.ci_high
    assert (
        "The size+exposure rung compares file-windows of equal change frequency: it measures whether worse "
        "maintainability index goes with more bug-fix rate per change, not whether worse files are changed "
        f"more often (a path of the effect this rung adjusts away), and it leaves out the {zero:,} "
        "file-windows with no change frequency."
    ) in defects.explanation
    assert "Left out" not in defects.explanation and "rung compares" not in proneness.explanation


def test_the_band_ladder_has_every_rung_on_one_row_set_for_times_too():
    panel = simulate_time_panel(300, time_ratio=1.3, size_corr=0.6, seed=8)
    spec = HypothesisSpec("quality", "outcome", "time", True, size="size", exposure="exposure", n_boot=0)
    r = analyze_hypothesis(panel, spec)
    assert (
        [b.level for b in r.band_ladder]
        == [e.level for e in r.effects]
        == [
            "unadjusted",
            "size",
            "size+exposure",
        ]
    )
    assert r.band_comparison == r.band_ladder[-1]
    assert {(b.worst, b.best) for b in r.band_ladder} == {(r.bands[0].label, r.bands[-1].label)}
    # Unadjusted, with one indicator per band, the ratio is the ratio of the bands' geometric means.
    cuts = r.cut_points
    worst = panel["quality"] < cuts[0]
    best = panel["quality"] >= cuts[1]
    log_t = np.log(panel["outcome"])
    assert np.isclose(r.band_ladder[0].ratio, np.exp(log_t[worst].mean() - log_t[best].mean()))
    # Quality tracks size: the raw band gap shrinks once size enters.
    assert r.band_ladder[0].ratio > r.band_ladder[1].ratio
    assert [
        b["level"] for b in json.loads(analyze(panel, [spec]).to_json())["hypotheses"][0]["band_ladder"]
    ] == [
        "unadjusted",
        "size",
        "size+exposure",
    ]


def test_cli_table_shows_the_band_ladder_and_clusters_only_when_asked(tmp_path: Path):
    panel = simulate_count_panel(400, rate_ratio=1.4, size_corr=0.5, seed=9)
    panel["codebase"] = [f"codebase_{i % 12}" for i in range(len(panel))]
    path = tmp_path / "files.csv"
    panel.to_csv(path, index=False)
    common = ["analyze", "--table", str(path), "--quality", "quality", "--higher-is-better"]
    common += ["--outcome", "outcome", "--size", "size", "--exposure", "exposure", "--boot", "0"]
    out = tmp_path / "report.json"
    plain = run_qroi(*common, "--json", str(out))
    assert plain.returncode == 0, plain.stderr
    h = json.loads(out.read_text())["hypotheses"][0]
    ladder = h["band_ladder"]
    assert [b["level"] for b in ladder] == ["unadjusted", "size", "size+exposure"]
    row = next(line for line in plain.stdout.splitlines() if "quality -> outcome" in line and " vs " in line)
    for b in ladder:
        assert f"{b['ratio']:.2f} [{b['ci_low']:.2f}-{b['ci_high']:.2f}]" in row
    assert "worst vs best quality band" in plain.stdout
    assert "Rows are treated as independent (no cluster column given)." in plain.stdout
    assert h["effects"][-1]["ci_method"] == "model Wald"

    clustered = run_qroi(*common, "--cluster", "codebase", "--json", str(out))
    assert clustered.returncode == 0, clustered.stderr
    h = json.loads(out.read_text())["hypotheses"][0]
    assert "treated as independent" not in clustered.stdout
    assert h["n_units"] == 12 and h["effects"][-1]["ci_method"].startswith("cluster-robust Wald by codebase")


def test_a_window_only_few_files_were_in_does_not_sink_the_bootstrap():
    """A project's first window often holds a single file (flask: flask.py). Resamples without it
    have an all-zero indicator for that window; they used to fail, and with ~37% failed the rungs
    fell back to Wald intervals. The window's effect has no rows there, so it leaves the design."""
    panel = simulate_count_panel(40, n_windows=4, size_corr=0.3, unit_sd=0.3, seed=6)
    panel["window"] += 1
    first = panel[panel["unit"] == panel["unit"].iloc[0]].head(1).assign(window=0)
    spec = HypothesisSpec(
        "quality", "outcome", "count", True, size="size", exposure="exposure", unit="unit", period="window"
    )
    r = analyze_hypothesis(pd.concat([first, panel], ignore_index=True), dataclasses.replace(spec, n_boot=99))
    for e in [*r.effects[1:], *r.band_ladder[1:]]:
        assert e.ci_method.startswith("cluster bootstrap percentile"), e.ci_method
        assert "(0 of 99 resamples" in e.ci_method


def test_windows_without_any_of_the_outcome_are_left_out_and_counted():
    """Early windows of a real project often have no bug fix at all: their window effect is -inf,
    and the fit of the adjusted rungs ran for minutes without converging (flask). They say nothing
    about quality within a window, so they leave the rows, counted."""
    panel = simulate_count_panel(60, n_windows=5, size_corr=0.3, seed=7)
    panel.loc[panel["window"] == 0, "outcome"] = 0
    spec = HypothesisSpec(
        "quality", "outcome", "count", True, size="size", exposure="exposure", period="window", n_boot=0
    )
    r = analyze_hypothesis(panel, spec)
    assert r.dropped == {"windows without any outcome": 60} and r.n_rows == 240
