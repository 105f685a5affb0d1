"""Descriptive layer: rank correlations, quality bands and the worst-vs-best band contrast.

These are model-free views for readers who distrust regressions; the partial Spearman shows how
much of a raw correlation is just file size.
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from scipy import stats

CLIFF_THRESHOLDS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))
"""Romano et al. (2006) cut-offs for |Cliff's delta|; at or above 0.474 is "large"."""


def cliffs_label(delta: float) -> str:
    """Negligible / small / medium / large, by |delta|."""
    for cut, name in CLIFF_THRESHOLDS:
        if abs(delta) < cut:
            return name
    return "large"


def cliffs_delta(worse: np.ndarray, better: np.ndarray) -> tuple[float, float, float]:
    """Cliff's delta P(worse > better) - P(worse < better) with the Mann-Whitney U and p.

    Delta is a rescaled U (delta = 2U / (n1 n2) - 1), so the two always agree.
    """
    u, p = stats.mannwhitneyu(worse, better, alternative="two-sided")
    return float(2 * u / (len(worse) * len(better)) - 1), float(u), float(p)


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rho and its p-value."""
    res = stats.spearmanr(x, y)
    return float(res.statistic), float(res.pvalue)


def partial_spearman(x: np.ndarray, y: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """Spearman correlation of x and y with the control's ranks partialled out.

    Computed as the t-test of rank(x) in OLS of rank(y) on rank(x) and rank(control): the
    partial correlation is t / sqrt(t^2 + df), and the test is the standard one with n-3 df.
    """
    ranks = [stats.rankdata(v) for v in (y, x, control)]
    res = sm.OLS(ranks[0], sm.add_constant(np.column_stack(ranks[1:]))).fit()
    t = float(res.tvalues[1])
    return t / float(np.sqrt(t * t + res.df_resid)), float(res.pvalues[1])


def default_cuts(quality: np.ndarray) -> tuple[float, ...]:
    """Tertile cut points of the analysed rows (duplicates from ties removed)."""
    return tuple(float(c) for c in np.unique(np.quantile(quality, [1 / 3, 2 / 3])))


def assign_bands(
    quality: np.ndarray, cuts: tuple[float, ...], higher_is_better: bool
) -> tuple[np.ndarray, list[tuple[str, float | None, float | None]]]:
    """Band index per row, 0 = worst quality, plus (label, lower, upper) per band in that order.

    Bands are [cut_i, cut_i+1) on the quality scale; labels quote the cut points.
    """

    def num(x: float) -> str:
        return np.format_float_positional(x, precision=4, unique=True, fractional=False, trim="-")

    edges = [None, *cuts, None]
    ascending = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        if lo is None:
            label = f"< {num(hi)}"
        elif hi is None:
            label = f">= {num(lo)}"
        else:
            label = f"{num(lo)} to < {num(hi)}"
        ascending.append((label, lo, hi))
    index = np.searchsorted(np.asarray(cuts), quality, side="right")
    if higher_is_better:
        return index, ascending
    return len(cuts) - index, ascending[::-1]


def band_levels(
    kind: str, y: np.ndarray, band: np.ndarray, bands: list[int], groups: np.ndarray | None, alpha: float
) -> dict[int, tuple[float, float, float]]:
    """Unadjusted outcome level per band with a CI: (estimate, low, high) by band index.

    OLS on band indicators gives the band means with HC3 (or cluster-robust) errors; for times
    it runs on log time, so the back-transformed level is the geometric mean.
    """
    X = np.column_stack([(band == b).astype(float) for b in bands])
    cov = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {"cov_type": "HC3"}
    )
    res = sm.OLS(y, X).fit(**cov)
    ci = np.asarray(res.conf_int(alpha))
    est = np.asarray(res.params)
    out = {}
    for i, b in enumerate(bands):
        if kind == "time":
            out[b] = (float(np.exp(est[i])), float(np.exp(ci[i, 0])), float(np.exp(ci[i, 1])))
        else:
            out[b] = (float(est[i]), max(0.0, float(ci[i, 0])), float(ci[i, 1]))
    return out
