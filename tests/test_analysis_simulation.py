"""Operating characteristics of the adjusted test over many generated panels.

Each replicate runs the product's own path for the verdict: prepare -> the fully adjusted model
(fit_outcome on that level's design) -> decide. Descriptive extras and bootstrap CIs are left out
because the verdict does not depend on them (p, TOST and MDE come from the model SE).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from qroi.analysis import HypothesisSpec, decide
from qroi.analysis.models import fit_outcome
from qroi.analysis.prepare import adjustment_levels, prepare
from qroi.analysis.simulate import simulate_count_panel

N_SEEDS = 200
ALPHA = 0.05


def _replicates(spec: HypothesisSpec, **panel_args) -> tuple[np.ndarray, np.ndarray]:
    """Verdicts and SEs of the adjusted effect for N_SEEDS generated panels."""
    level = adjustment_levels(spec)[-1]
    verdicts, ses = [], []
    for seed in range(N_SEEDS):
        prep = prepare(simulate_count_panel(seed=1000 + seed, **panel_args), spec)
        fit = fit_outcome(spec.outcome_kind, prep.y, prep.design(level), prep.groups, spec.alpha)
        d = decide(fit.params[1], fit.bse[1], fit.pvalues[1], sesoi=spec.sesoi, alpha=spec.alpha)
        verdicts.append(d.verdict)
        ses.append(fit.bse[1])
    return np.array(verdicts), np.array(ses)


def _tolerance(p: float) -> tuple[float, float]:
    """99.9% binomial interval for the observed rate when the true rate is p."""
    lo, hi = stats.binom.interval(0.999, N_SEEDS, p)
    return lo / N_SEEDS, hi / N_SEEDS


SPEC = HypothesisSpec("quality", "outcome", "count", True, size="size", exposure="exposure", n_boot=0)


def test_false_positive_rate_of_the_adjusted_test_is_nominal():
    # Null: outcome driven by size and exposure only, quality confounded with size (r=0.6).
    verdicts, _ = _replicates(SPEC, n_units=300, rate_ratio=1.0, size_corr=0.6)
    fpr = np.isin(verdicts, ["Supported", "Contradicted"]).mean()
    lo, hi = _tolerance(ALPHA)
    print(
        f"\nfalse-positive rate (adjusted NB, n=300, {N_SEEDS} null panels): {fpr:.3f} "
        f"(99.9% tolerance {lo:.3f}-{hi:.3f}); 'Supported' alone: {(verdicts == 'Supported').mean():.3f}"
    )
    assert lo <= fpr <= hi


def test_false_positive_rate_with_repeated_units_uses_cluster_robust_errors():
    # Files observed over 5 windows with a persistent per-file effect: windows are not independent.
    spec = HypothesisSpec(
        "quality", "outcome", "count", True, size="size", exposure="exposure", unit="unit", n_boot=0
    )
    verdicts, _ = _replicates(spec, n_units=60, n_windows=5, rate_ratio=1.0, size_corr=0.5, unit_sd=0.5)
    fpr = np.isin(verdicts, ["Supported", "Contradicted"]).mean()
    lo, hi = _tolerance(ALPHA)
    print(
        f"\nfalse-positive rate (clustered, 60 units x 5 windows, {N_SEEDS} null panels): {fpr:.3f} "
        f"(99.9% tolerance {lo:.3f}-{hi:.3f})"
    )
    assert lo <= fpr <= hi


def test_false_positive_rate_under_calendar_drift_with_window_effects_is_nominal():
    # Quality and outcome both drift with the window (0.3 SD and 0.3 log-rate per window), nothing
    # within a window: window fixed effects must keep the adjusted test at its nominal level.
    spec = HypothesisSpec(
        "quality",
        "outcome",
        "count",
        True,
        size="size",
        exposure="exposure",
        unit="unit",
        period="window",
        n_boot=0,
    )
    verdicts, _ = _replicates(
        spec, n_units=60, n_windows=5, rate_ratio=1.0, size_corr=0.5, unit_sd=0.5, window_trend=0.3
    )
    fpr = np.isin(verdicts, ["Supported", "Contradicted"]).mean()
    lo, hi = _tolerance(ALPHA)
    print(
        f"\nfalse-positive rate (window effects, calendar drift, 60 units x 5 windows, {N_SEEDS} null panels): "
        f"{fpr:.3f} (99.9% tolerance {lo:.3f}-{hi:.3f})"
    )
    assert lo <= fpr <= hi


def test_power_at_a_planted_effect_matches_the_model_based_expectation():
    rate_ratio = 1.2
    verdicts, ses = _replicates(SPEC, n_units=300, rate_ratio=rate_ratio, size_corr=0.6)
    power = (verdicts == "Supported").mean()
    crit = stats.norm.ppf(1 - ALPHA / 2)
    expected = float(np.mean(stats.norm.sf(crit - np.log(rate_ratio) / ses)))
    lo, hi = _tolerance(expected)
    print(
        f"\npower at rate ratio {rate_ratio} per SD (n=300): {power:.3f}; "
        f"expected from the model SEs {expected:.3f} (99.9% tolerance {lo:.3f}-{hi:.3f})"
    )
    assert lo <= power <= hi
    assert not np.any(verdicts == "Contradicted")
