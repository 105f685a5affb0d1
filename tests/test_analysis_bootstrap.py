"""Cluster-bootstrap refits: robust, their failures counted wherever the interval is shown,
and no equivalence claimed from a bootstrap that could not check it."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from rich.console import Console

from qroi.analysis import HypothesisSpec, analyze, analyze_hypothesis, decide, make_report
from qroi.analysis.simulate import simulate_count_panel
from qroi.cli.verdicts import render_report

SPEC = HypothesisSpec(
    "quality", "outcome", "count", True, size="size", exposure="exposure", unit="unit", n_boot=199
)


def test_refits_one_optimiser_loses_are_recovered_and_the_failure_share_is_shown():
    """Sparse, strongly overdispersed counts: 30 of 199 refits failed (warm Newton, then BFGS), and
    the unadjusted rung silently switched to a Wald interval."""
    panel = simulate_count_panel(
        50, n_windows=4, nb_alpha=20, mean_count=0.5, size_corr=0.3, unit_sd=0.5, seed=2
    )
    report = analyze(panel, [SPEC])
    h = report.hypotheses[0]
    for e in h.effects:
        assert e.ci_method.startswith("cluster bootstrap percentile over 50 units by unit"), e.ci_method
        assert e.boot_resamples == 199 and e.boot_failed <= 4 and e.boot_se > 0
        assert f"({e.boot_failed} of 199 resamples ({e.boot_failed / 199:.1%}) failed to fit)" in e.ci_method
    # The band contrast is another matter: a resample with no event in an end band has no finite
    # ratio (its fits once stretched this percentile interval to ~1e13 with "0 failed"), so it fails.
    comparison = h.band_comparison
    assert comparison is not None and comparison.ci_high < 100
    failed = int(re.search(r"(\d+) of 199 resamples", comparison.ci_method).group(1))
    assert failed > 0
    assert f"bootstrap, worst-vs-best band, size+exposure: {failed} of 199 resamples" in "; ".join(h.warnings)


def test_equivalence_is_not_claimed_from_a_bootstrap_whose_resamples_failed():
    """Exposure varies in one busy file only: every resample without it cannot be fitted (about a
    third). Today the rung falls back to Wald and the model SE alone declares equivalence."""
    panel = simulate_count_panel(400, n_windows=3, rate_ratio=1.0, size_corr=0.5, seed=1)
    busiest = panel.groupby("unit")["outcome"].sum().idxmax()
    panel["exposure"] = np.where(panel["unit"] == busiest, 8, 2)
    spec = HypothesisSpec(
        "quality",
        "outcome",
        "count",
        True,
        size="size",
        exposure="exposure",
        unit="unit",
        n_boot=99,
        sesoi=1.25,
    )
    h = analyze_hypothesis(panel, spec)
    adj = h.adjusted
    model_only = decide(adj.log_ratio, adj.se, h.p_holm, sesoi=1.25, alpha=0.05)
    assert model_only.verdict == "No effect (equivalent)", "precondition: the Wald SE alone shows equivalence"
    assert adj.boot_failed > 0.1 * 99 and adj.boot_se is None
    assert adj.ci_method == (
        f"cluster-robust Wald by unit (bootstrap not trusted: {adj.boot_failed} of 99 resamples "
        f"({adj.boot_failed / 99:.1%}) failed to fit)"
    )
    assert h.verdict == "Inconclusive"
    assert any(
        w.startswith("equivalence not claimed although the model SE alone would show it") for w in h.warnings
    )
    # The terminal table says so next to the interval, not only in a note.
    console = Console(record=True, width=300)
    render_report(make_report([h]), console, "t")
    cell = f"{adj.ratio:.2f} [{adj.ci_low:.2f}-{adj.ci_high:.2f}] ({adj.boot_failed} of 99 resamples failed; Wald)"
    text = console.export_text()
    assert cell in text and text.count("equivalence not claimed") == 1


def test_equivalence_must_hold_under_the_larger_of_the_model_and_bootstrap_se():
    tight = decide(0.0, 0.03, 0.9, sesoi=1.1, alpha=0.05)
    wide = decide(0.0, 0.03, 0.9, sesoi=1.1, alpha=0.05, equivalence_se=0.06)
    assert tight.verdict == "No effect (equivalent)" and wide.verdict == "Inconclusive"
    assert np.log(tight.ci_high) == pytest.approx(1.6448536 * 0.03, rel=1e-6)


def test_an_effect_is_claimed_only_at_the_larger_of_the_model_and_bootstrap_se():
    """A null panel (30 files with persistent effects, 4 windows) where the model's cluster-robust
    SE (0.126) is well below the cluster bootstrap's (0.190): the model alone says Supported, as
    on flask and httpx; at the larger SE it is not shown, and the caveat says which SE decided."""
    panel = simulate_count_panel(
        30, n_windows=4, rate_ratio=1.0, unit_sd=0.8, nb_alpha=0.05, mean_count=1.0, seed=37
    )
    spec = dataclasses.replace(SPEC, n_boot=99)
    h = make_report([analyze_hypothesis(panel, spec)]).hypotheses[0]
    adj = h.adjusted
    model_only = decide(adj.log_ratio, adj.se, adj.p_value, sesoi=spec.sesoi, alpha=spec.alpha)
    assert model_only.verdict == "Supported", "precondition: the model SE alone claims an effect"
    assert adj.boot_se is not None and adj.boot_se > 1.2 * adj.se and adj.verdict_se == adj.boot_se
    assert h.verdict == "Inconclusive" and h.verdict_ci[0] < 1 < h.verdict_ci[1]
    assert h.p_holm == pytest.approx(adj.verdict_p) and adj.verdict_p > 0.05 > adj.p_value
    assert any(w.startswith("supported on the model SE alone") for w in h.warnings)
