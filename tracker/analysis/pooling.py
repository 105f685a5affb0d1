"""Pool one hypothesis across repositories: random-effects meta-analysis (DerSimonian-Laird).

Repos differ in language, team and process, so a single common effect is an assumption to check,
not to impose: tau^2 is the between-repo variance and I^2 the share of spread it explains.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from qroi.analysis.decision import fmt_ratio
from qroi.analysis.results import HypothesisResult, to_jsonable


@dataclass(frozen=True)
class RepoEffect:
    """One repo's adjusted effect and its relative random-effects weight."""

    name: str
    ratio: float
    ci_low: float
    ci_high: float
    weight: float


@dataclass(frozen=True)
class PooledResult:
    """Random-effects pooled ratio (per SD of worse quality) with heterogeneity statistics."""

    status: str
    reason: str | None
    k: int
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    tau2: float | None
    i2: float | None
    q: float | None
    q_p: float | None
    method: str
    repos: tuple[RepoEffect, ...]
    excluded: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)


MIN_REPOS = 2


def pool(
    results_per_repo: Mapping[str, HypothesisResult] | Sequence[HypothesisResult], alpha: float = 0.05
) -> PooledResult:
    """Pool the adjusted log-ratios of per-repo results of the same hypothesis.

    Accepts {repo name: result} or a list (named by position). Refused results are excluded and
    listed. Uses each result's adjusted log ratio and its SE (cluster-robust when units repeat).
    """
    items = (
        list(results_per_repo.items())
        if isinstance(results_per_repo, Mapping)
        else [(f"repo {i + 1}", r) for i, r in enumerate(results_per_repo)]
    )
    used = [(n, r.adjusted) for n, r in items if r.ok and r.adjusted is not None and r.adjusted.se > 0]
    excluded = tuple(n for n, r in items if not (r.ok and r.adjusted is not None and r.adjusted.se > 0))
    method = "random effects (DerSimonian-Laird)"
    if len(used) < MIN_REPOS:
        reason = f"only {len(used)} repos with an estimate (need at least {MIN_REPOS})"
        return PooledResult(
            "Too little data",
            reason,
            len(used),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            method,
            (),
            excluded,
            f"Too little data: {reason}.",
        )
    names = [n for n, _ in used]
    eff = np.array([e.log_ratio for _, e in used])
    var = np.array([e.se for _, e in used]) ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # from the HKSJ variants we do not report
        res = combine_effects(eff, var, method_re="dl", row_names=names, alpha=alpha)
        frame = res.summary_frame()
        lo, hi = (float(v) for v in res.conf_int(alpha=alpha, use_t=False)[1])
    mean, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
    p = float(2 * stats.norm.sf(abs(mean / se)))
    homog = res.test_homogeneity()
    repos = tuple(
        RepoEffect(
            n,
            float(np.exp(frame.loc[n, "eff"])),
            float(np.exp(frame.loc[n, "ci_low"])),
            float(np.exp(frame.loc[n, "ci_upp"])),
            float(frame.loc[n, "w_re"]),
        )
        for n in names
    )
    ratio, ci = float(np.exp(mean)), (float(np.exp(lo)), float(np.exp(hi)))
    i2 = float(max(res.i2, 0.0))
    summary = (
        f"Pooled over {len(used)} repos: one SD worse quality goes with {fmt_ratio(ratio)}x "
        f"[{fmt_ratio(ci[0])}-{fmt_ratio(ci[1])}] the outcome (random effects, I^2={i2:.0%})."
    )
    return PooledResult(
        "ok",
        None,
        len(used),
        ratio,
        ci[0],
        ci[1],
        p,
        float(res.tau2),
        i2,
        float(homog.statistic),
        float(homog.pvalue),
        method,
        repos,
        excluded,
        summary,
    )
