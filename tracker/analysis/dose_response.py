"""The shape of the relation: outcome by quality decile, and whether returns grow or flatten.

A per-SD ratio and three bands cannot tell "returns keep growing toward the healthiest code"
(Borg et al., TechDebt 2024) from "returns flatten once code is decent". This module shows the
curve and tests its bend at the healthy end, on the same rows the verdict used.

- Bins: quality deciles (quintiles below `DECILE_MIN_ROWS` rows), cut on the metric's values,
  so tied values stay in one bin and a bin may hold more or fewer rows than a tenth; worst first.
- Bin level, adjusted for size the simplest honest way: a log-link model of the outcome on one
  indicator per bin plus log size (and log exposure for counts) centred on their medians, so
  each bin's exp(coefficient) is its level *at the median size (and exposure)*. Counts: Poisson
  quasi-likelihood (the mean is right whatever the overdispersion; the robust errors carry it),
  giving the mean count per file-window; a bin without a single event is 0 with no upper bound
  and left out of the fit. Times: OLS on log time, giving the geometric mean. CIs are
  cluster-robust by unit when units repeat (HC0 / HC3 otherwise).
- Shape test: the claim's size-adjusted model (NB for counts, OLS on log time) with quality as
  a hinge at its median: a slope for the whole range plus a second slope that starts at the
  median. That second slope is the change in return per SD in the healthier half; its Wald z
  and p-value (cluster-robust) decide "returns keep growing toward the healthiest code" (the
  outcome falls faster there), "returns flatten toward the healthiest code" (it falls slower, or
  not at all), or "no evidence either way".
All outcomes of the claim test are "more is worse", so a return is a fall in the outcome.
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from qroi.analysis.models import NotEstimable, fit_outcome
from qroi.analysis.prepare import Prepared
from qroi.analysis.results import DoseBin, DoseResponse, ShapeTest

DECILE_MIN_ROWS = 400
"""From this many rows the curve uses deciles (at least ~40 rows a bin); below, quintiles."""
MIN_ROWS = 50
"""Below this many rows no curve is drawn (quintiles of fewer than 10 rows say nothing)."""
GROWING = "returns keep growing toward the healthiest code"
FLATTEN = "returns flatten toward the healthiest code"
NO_EVIDENCE = "no evidence either way"


def _healthiness(prep: Prepared) -> np.ndarray:
    """Quality in SDs, oriented so +1 is one SD *healthier*."""
    return -prep.z_worse()


def _bins(prep: Prepared) -> tuple[str, np.ndarray, list[tuple[float, float]]]:
    """Bin index per row (0 = worst), the scheme's name and each bin's quality range."""
    n_bins = 10 if prep.n_rows >= DECILE_MIN_ROWS else 5
    scheme = "deciles" if n_bins == 10 else "quintiles"
    q = prep.quality
    cuts = np.unique(np.quantile(q, np.arange(1, n_bins) / n_bins))
    ascending = np.searchsorted(cuts, q, side="right")  # 0 = lowest values
    index = ascending if prep.spec.higher_is_better else len(cuts) - ascending
    occupied = np.unique(index)
    worst_first = np.searchsorted(occupied, index)  # empty bins (from ties) closed up
    n_found = len(occupied)
    ranges = [(float(q[worst_first == i].min()), float(q[worst_first == i].max())) for i in range(n_found)]
    if n_found < n_bins:
        scheme += f" ({n_found} bins after tied values merged)"
    return scheme, worst_first, ranges


def _covariates(prep: Prepared) -> list[np.ndarray]:
    """Log size (and log exposure for counts) centred on the median: the size-adjusted model's."""
    names = [c for c in (prep.spec.size, prep.spec.exposure) if c]
    return [prep.log_covariates[c] - np.median(prep.log_covariates[c]) for c in names]


def _bin_levels(prep: Prepared, index: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Level per bin at the median size (and exposure), with its CI, on the outcome's scale."""
    count = prep.spec.outcome_kind == "count"
    fitted = [b for b in range(n_bins) if not count or prep.y[index == b].sum() > 0]
    rows = np.isin(index, fitted)
    covs = [c[rows] for c in _covariates(prep)]
    X = np.column_stack([*((index[rows] == b).astype(float) for b in fitted), *covs])
    groups = prep.groups[rows] if prep.groups is not None else None
    robust = "HC0" if count else "HC3"
    cov = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        if groups is not None
        else {"cov_type": robust}
    )
    model = sm.GLM(prep.y[rows], X, family=sm.families.Poisson()) if count else sm.OLS(prep.y[rows], X)
    res = model.fit(**cov)
    k = len(fitted)
    est = np.zeros(n_bins)
    ci = np.tile([0.0, np.inf], (n_bins, 1))  # a bin without events: 0, no upper bound
    est[fitted] = np.exp(np.asarray(res.params)[:k])
    ci[fitted] = np.exp(np.asarray(res.conf_int(prep.spec.alpha))[:k])
    return est, ci


def _shape(prep: Prepared) -> ShapeTest:
    """Hinge at the median quality in the size-adjusted model: does the return bend?"""
    h = _healthiness(prep)
    hinge = np.maximum(h - np.median(h), 0.0)
    X = np.column_stack([np.ones(prep.n_rows), h, hinge, *_covariates(prep)])
    try:
        fit = fit_outcome(prep.spec.outcome_kind, prep.y, X, prep.groups, prep.spec.alpha)
    except NotEstimable as exc:
        return ShapeTest("hinge at the median quality", None, None, None, None, f"not estimable: {exc}", "")
    slope_rest, bend = float(fit.params[1]), float(fit.params[2])
    z, p = bend / float(fit.bse[2]), float(fit.pvalues[2])
    # A return is a fall in the outcome: the healthy half's return minus the rest's is -bend.
    reading = (GROWING if bend < 0 else FLATTEN) if p < prep.spec.alpha else NO_EVIDENCE
    return ShapeTest(
        method="hinge at the median quality",
        statistic=z,
        p_value=p,
        ratio_per_sd_worse_half=float(np.exp(slope_rest)),
        ratio_per_sd_healthy_half=float(np.exp(slope_rest + bend)),
        reading=reading,
        model=fit.description,
    )


def dose_response(prep: Prepared) -> DoseResponse | None:
    """The curve and its shape test for one prepared hypothesis; None when rows are too few."""
    if prep.n_rows < MIN_ROWS:
        return None
    scheme, index, ranges = _bins(prep)
    levels, ci = _bin_levels(prep, index, len(ranges))
    counts = np.bincount(index, minlength=len(ranges))
    kind = prep.spec.outcome_kind
    bins = tuple(
        DoseBin(
            quality_low=lo,
            quality_high=hi,
            n_rows=int(counts[i]),
            outcome=float(levels[i]),
            ci_low=float(ci[i, 0]),
            ci_high=float(ci[i, 1]) if np.isfinite(ci[i, 1]) else None,
        )
        for i, (lo, hi) in enumerate(ranges)
    )
    adjusted = [c for c in (prep.spec.size, prep.spec.exposure) if c]
    measure = "mean count per row" if kind == "count" else "geometric mean"
    at = " and ".join(f"median {c}" for c in adjusted) or "no size adjustment"
    return DoseResponse(
        scheme=scheme,
        measure=f"{measure} at the {at}" if adjusted else measure,
        ci_method="cluster-robust by unit" if prep.groups is not None else "HC3",
        bins=bins,
        shape=_shape(prep),
    )
