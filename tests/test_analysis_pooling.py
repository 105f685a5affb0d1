"""Random-effects pooling of per-repo results (DerSimonian-Laird) on generated repos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qroi.analysis import HypothesisSpec, analyze_hypothesis, pool
from qroi.analysis.simulate import simulate_count_panel

SPEC = HypothesisSpec("quality", "outcome", "count", True, size="size", exposure="exposure")


def per_repo(ratios: list[float], n: int = 250, seed: int = 0) -> dict:
    return {
        f"repo{i}": analyze_hypothesis(
            simulate_count_panel(n, rate_ratio=r, size_corr=0.4, seed=seed + i), SPEC
        )
        for i, r in enumerate(ratios)
    }


def test_homogeneous_repos_pool_to_the_common_effect_with_low_i2():
    results = per_repo([1.4] * 8)
    pooled = pool(results)
    assert pooled.status == "ok" and pooled.k == 8 and pooled.method == "random effects (DerSimonian-Laird)"
    assert pooled.ci_low < 1.4 < pooled.ci_high and pooled.p_value < 0.001
    # I^2 is noisy with 8 repos; homogeneity must not be rejected and I^2 must stay low.
    assert pooled.i2 < 0.5 and pooled.q_p > 0.05
    # Pooling is more precise than any single repo.
    width = np.log(pooled.ci_high / pooled.ci_low)
    assert all(width < np.log(r.adjusted.ci_high / r.adjusted.ci_low) for r in results.values())
    assert sum(r.weight for r in pooled.repos) == pytest.approx(1.0)
    assert pooled.summary.startswith("Pooled over 8 repos: one SD worse quality goes with ")
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
