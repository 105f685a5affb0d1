"""The negative binomial count model: fitted to its highest likelihood, named, Poisson only at alpha = 0."""

from __future__ import annotations

import dataclasses

import numpy as np
import statsmodels.api as sm

from qroi.analysis import HypothesisSpec, analyze_hypothesis
from qroi.analysis.models import fit_count
from qroi.analysis.prepare import adjustment_levels, prepare
from qroi.analysis.simulate import simulate_count_panel

SPEC = HypothesisSpec("quality", "outcome", "count", True, size="size", exposure="exposure", n_boot=0)


def _profile_llf(y: np.ndarray, X: np.ndarray, alpha: float) -> float:
    return float(sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit().llf)


def test_a_negative_binomial_bfgs_leaves_at_alpha_zero_is_fitted_to_its_highest_likelihood():
    """Sparse, strongly overdispersed counts (planted alpha 10): BFGS from statsmodels' start
    stops at alpha = 0, which read as "no overdispersion" and switched the verdict to Poisson's."""
    panel = simulate_count_panel(200, rate_ratio=1.5, nb_alpha=10, mean_count=0.3, size_corr=0.3, seed=2)
    prep = prepare(panel, SPEC)
    X = prep.design(adjustment_levels(SPEC)[-1])
    bfgs = sm.NegativeBinomial(prep.y, X, loglike_method="nb2").fit(method="bfgs", maxiter=200, disp=0)
    assert bfgs.mle_retvals["converged"] and bfgs.params[-1] < 1e-4, "precondition: BFGS at the boundary"
    poisson = sm.GLM(prep.y, X, family=sm.families.Poisson()).fit()

    fit = fit_count(prep.y, X)
    print(
        f"\nBFGS: alpha={bfgs.params[-1]:.2g}, log-likelihood {bfgs.llf:.1f}; Poisson {poisson.llf:.1f}; "
        f"kept: {fit.description}"
    )
    assert fit.family == "nb" and fit.fallback is None and fit.nb_alpha > 1
    assert fit.llf > bfgs.llf + 1 and fit.llf > poisson.llf + 1
    # A maximum of the likelihood in alpha, not just better than BFGS's stopping point.
    assert fit.llf >= max(_profile_llf(prep.y, X, fit.nb_alpha * f) for f in (0.8, 1.25))
    assert f"alpha={fit.nb_alpha:.3g}, log-likelihood {fit.llf:.1f} by " in fit.description

    result = analyze_hypothesis(panel, SPEC)
    assert result.adjusted.model == fit.description
    assert not any(w.startswith("model fallback") for w in result.warnings)


def test_underdispersed_counts_are_poisson_because_the_likelihood_is_highest_at_alpha_zero():
    """Binomial (underdispersed) counts adjusted for size and exposure: near alpha = 0 the NB
    Hessian is singular, so no NB fit passes its checks; that read as "did not converge", where
    the likelihood itself says "no overdispersion"."""
    panel = simulate_count_panel(100, n_windows=4, seed=0)
    z_worse = (70 - panel["quality"]) / 10
    panel["outcome"] = np.random.default_rng(0).binomial(4, 1 / (1 + np.exp(1 - 0.4 * z_worse)))
    prep = prepare(panel, SPEC)
    X = prep.design(adjustment_levels(SPEC)[-1])
    poisson = float(sm.GLM(prep.y, X, family=sm.families.Poisson()).fit().llf)
    assert all(_profile_llf(prep.y, X, a) < poisson for a in (0.01, 0.1, 1.0)), "precondition: maximum at 0"
    fit = fit_count(prep.y, X)
    assert fit.family == "poisson"
    assert (
        fit.fallback == "no overdispersion (the negative binomial profile likelihood is highest at alpha = 0)"
    )


def test_too_few_clusters_for_the_coefficients_floor_the_cluster_robust_se_at_the_models():
    """flask's shape: 29 files, a coefficient per window (31 in all). A cluster-robust covariance
    from G clusters has rank G - 1 at most, so it came out 3x below the model's own SE and called
    noise "Supported"; the SE is now at least the model's, and the description says why."""
    full = simulate_count_panel(29, n_windows=28, rate_ratio=1.0, mean_count=0.5, nb_alpha=0.01, seed=3)
    panel = full[np.random.default_rng(3).random(len(full)) < 0.5]  # files live in half the windows
    spec = dataclasses.replace(SPEC, unit="unit", period="window")
    prep = prepare(panel, spec)
    X = prep.design(adjustment_levels(spec)[-1])
    assert X.shape[1] > len(np.unique(prep.groups)), "precondition: more coefficients than clusters"
    fit = fit_count(prep.y, X, prep.groups)
    family = (
        sm.families.Poisson() if fit.family == "poisson" else sm.families.NegativeBinomial(alpha=fit.nb_alpha)
    )
    glm = sm.GLM(prep.y, X, family=family)
    robust = glm.fit(cov_type="cluster", cov_kwds={"groups": prep.groups}).bse[1]
    model = glm.fit().bse[1]
    assert robust < 0.8 * model, "precondition: the cluster-robust SE is far below the model's"
    assert fit.bse[1] >= 0.95 * model and fit.bse[1] > 1.1 * robust
    assert "floored at the model's own SE (29 clusters for" in fit.description
    h = analyze_hypothesis(panel, spec)
    assert h.adjusted.se == fit.bse[1] and "floored" in h.adjusted.model
    # With more clusters than coefficients nothing changes: the cluster-robust SE stands.
    few_windows = simulate_count_panel(29, n_windows=3, rate_ratio=1.0, unit_sd=0.3, seed=4)
    prep3 = prepare(few_windows, spec)
    X3 = prep3.design(adjustment_levels(spec)[-1])
    assert "floored" not in fit_count(prep3.y, X3, prep3.groups).description
