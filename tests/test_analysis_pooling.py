"""Random-effects pooling of per-repo results (Paule-Mandel, HKSJ) on generated repos."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy import stats

from qroi.analysis import HypothesisSpec, analyze_hypothesis, holm, pool, pooling
from qroi.analysis.simulate import simulate_count_panel

SPEC = HypothesisSpec("quality", "outcome", "count", True, size="size", exposure="exposure")


def per_repo(ratios: list[float], n: int | list[int] = 250, seed: int = 0, spec=SPEC) -> dict:
    sizes = n if isinstance(n, list) else [n] * len(ratios)
    return {
        f"repo{i}": analyze_hypothesis(
            simulate_count_panel(m, rate_ratio=r, size_corr=0.4, seed=seed + i), spec
        )
        for i, (r, m) in enumerate(zip(ratios, sizes, strict=True))
    }


def test_homogeneous_repos_pool_to_the_common_effect_with_low_i2():
    results = per_repo([1.4] * 8)
    pooled = pool(results)
    assert pooled.status == "ok" and pooled.k == 8
    assert (
        pooled.method
        == "random effects (Paule-Mandel tau^2, Hartung-Knapp-Sidik-Jonkman t interval with 7 df)"
    )
    assert pooled.ci_low < 1.4 < pooled.ci_high and pooled.p_value < 0.001
    # I^2 is noisy with 8 repos; homogeneity must not be rejected and I^2 must stay low.
    assert pooled.i2 < 0.5 and pooled.q_p > 0.05
    # Pooling is more precise than any single repo.
    width = np.log(pooled.ci_high / pooled.ci_low)
    assert all(width < np.log(r.adjusted.ci_high / r.adjusted.ci_low) for r in results.values())
    assert sum(r.weight for r in pooled.repos) == pytest.approx(1.0)
    assert pooled.summary.startswith("quality -> outcome, pooled over 8 repos (random effects (Paule-Mandel")
    assert ": Supported: one SD worse quality goes with " in pooled.summary
    json.dumps(pooled.to_dict(), allow_nan=False)


def test_heterogeneous_repos_show_high_i2_and_a_wider_interval():
    ratios = [0.6, 0.8, 1.0, 1.3, 1.8, 2.5]
    pooled = pool(per_repo(ratios, seed=50))
    assert pooled.i2 > 0.75 and pooled.tau2 > 0.05 and pooled.q_p < 0.001
    # The random-effects CI reflects between-repo spread, so it is wide.
    assert np.log(pooled.ci_high / pooled.ci_low) > 0.5
    assert min(r.ratio for r in pooled.repos) < 0.8 and max(r.ratio for r in pooled.repos) > 1.8


def test_refused_repos_are_excluded_and_too_few_repos_refused():
    results = per_repo([1.4, 1.4, 1.4], seed=70)
    results["tiny"] = analyze_hypothesis(simulate_count_panel(12, seed=1), SPEC)
    pooled = pool(results)
    assert pooled.k == 3 and pooled.excluded == ("tiny",)
    alone = pool([results["repo0"], results["tiny"]])
    assert alone.status == "Too little data" and alone.ratio is None
    assert alone.reason == "only 1 repos with an estimate (need at least 2)"


def _fixed_effect_se(results: dict) -> float:
    return float(np.sum([r.adjusted.se**-2 for r in results.values()]) ** -0.5)


def test_close_repos_get_a_zero_tau2_positive_weights_and_an_interval_no_narrower_than_fixed():
    """One large and two small repos that agree: DerSimonian-Laird's tau^2 is negative here.

    (statsmodels' DL gives tau^2 = -0.0019 and weights 1.26 / -0.13 / -0.13 on these three, and
    a NaN standard error.) Paule-Mandel is zero; with 3 repos the interval is HKSJ's t(2).
    """
    results = per_repo([1.2, 1.2, 1.2], n=[3000, 150, 150], seed=30)
    pooled = pool(results)
    assert pooled.tau2 == 0.0
    assert all(r.weight > 0 for r in pooled.repos) and sum(r.weight for r in pooled.repos) == pytest.approx(1)
    assert "Hartung-Knapp-Sidik-Jonkman t interval with 2 df" in pooled.method and pooled.df == 2
    # Never narrower than fixed effects, and the t(2) critical value, not the normal one.
    assert pooled.se >= _fixed_effect_se(results) * (1 - 1e-9)
    half = stats.t.isf(0.025, 2) * pooled.se
    assert np.log(pooled.ci_low) == pytest.approx(pooled.log_ratio - half)
    assert np.log(pooled.ci_high) == pytest.approx(pooled.log_ratio + half)
    assert pooled.p_value == pytest.approx(2 * stats.t.sf(abs(pooled.log_ratio / pooled.se), 2))
    assert np.isfinite([pooled.ci_low, pooled.ci_high, pooled.p_value]).all()
    json.dumps(pooled.to_dict(), allow_nan=False)


def test_pooled_hypotheses_get_their_own_verdicts_holm_corrected_and_named():
    planted = per_repo([1.6, 1.6, 1.6], n=400, seed=80)
    null = per_repo([1.0, 1.0, 1.0], n=400, seed=90, spec=dataclasses.replace(SPEC, name="null hypothesis"))
    pooled = pooling.pool_hypotheses({"quality -> outcome": planted, "null hypothesis": null})
    raw = [pooled[h].p_value for h in ("quality -> outcome", "null hypothesis")]
    assert [pooled[h].p_holm for h in ("quality -> outcome", "null hypothesis")] == pytest.approx(holm(raw))
    assert pooled["quality -> outcome"].verdict == "Supported"
    assert pooled["null hypothesis"].verdict in ("Inconclusive", "No effect (equivalent)")
    for name, p in pooled.items():
        assert p.summary.startswith(f"{name}, pooled over 3 repos")
        assert f"{p.verdict}: one SD worse quality goes with {p.ratio:.2f}x" in p.summary
        assert "n=3 repos" in p.summary


def test_a_pooled_sentence_names_the_window_effects_its_repos_were_adjusted_for():
    spec = dataclasses.replace(
        SPEC, unit="unit", period="window", labels={"window": "calendar window"}, n_boot=0
    )
    results = {
        f"repo{i}": analyze_hypothesis(simulate_count_panel(80, n_windows=4, seed=30 + i), spec)
        for i in range(3)
    }
    assert all("calendar window" in r.explanation for r in results.values())
    pooled = pooling.pool_hypotheses({"quality -> outcome": results})["quality -> outcome"]
    assert "after adjusting for size, exposure and calendar window" in pooled.summary
