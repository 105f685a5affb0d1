"""Cluster bootstrap over units (files or repos) for percentile confidence intervals.

A file observed in many windows is one unit of evidence, not many: resampling rows would treat
its windows as independent and give intervals that are too narrow. Resampling whole units keeps
each unit's windows together.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

MAX_FAILED_SHARE = 0.10
"""If more resamples than this fail to fit, the bootstrap CI is not trusted: the resamples
that fit are not a random half of the rest, so their spread says nothing about the estimator."""


@dataclass(frozen=True)
class BootstrapCI:
    """Percentile bounds and SD per statistic; `failed` counts resamples whose fit failed (NaN)."""

    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    failed: np.ndarray
    n_boot: int
    n_units: int

    def usable(self, i: int) -> bool:
        """Whether statistic i had few enough failed resamples to trust its interval."""
        return bool(self.failed[i] <= MAX_FAILED_SHARE * self.n_boot and np.isfinite(self.low[i]))

    def failures(self, i: int) -> str:
        """The failure count as a reader needs it wherever the interval is shown."""
        return f"{int(self.failed[i])} of {self.n_boot} resamples ({self.failed[i] / self.n_boot:.1%}) failed to fit"


def cluster_bootstrap(
    units: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    n_boot: int,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapCI:
    """Resample units with replacement (scipy.stats.bootstrap over unit ids) and refit.

    `units` holds an integer unit code per row; `statistic(rows)` gets the row indices of one
    resample (a unit drawn twice contributes its rows twice) and returns a vector of estimates,
    NaN where a fit failed. Failed resamples are left out of the percentiles and counted.
    """
    codes = np.unique(units)
    rows_of = {c: np.flatnonzero(units == c) for c in codes}

    def on_units(sample: np.ndarray) -> np.ndarray:
        return statistic(np.concatenate([rows_of[c] for c in sample]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            (codes,),
            on_units,
            vectorized=False,
            n_resamples=n_boot,
            method="percentile",
            confidence_level=confidence,
            rng=np.random.default_rng(seed),
        )
    dist = np.atleast_2d(res.bootstrap_distribution)
    tail = (1 - confidence) / 2 * 100
    failed = np.sum(~np.isfinite(dist), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN rows give NaN bounds, reported via `failed`
        finite = np.where(np.isfinite(dist), dist, np.nan)
        low, high = np.nanpercentile(finite, [tail, 100 - tail], axis=1)
        se = np.nanstd(finite, axis=1, ddof=1)
    return BootstrapCI(low=low, high=high, se=se, failed=failed, n_boot=n_boot, n_units=len(codes))
