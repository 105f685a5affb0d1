"""From an adjusted effect to a verdict: Holm, equivalence (TOST), minimum detectable effect.

A non-significant result is not "no effect": only an interval inside the equivalence region
[1/sesoi, sesoi] earns "No effect"; anything else is "Inconclusive", with the smallest effect
the data could have detected, so readers see why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

Verdict = Literal["Supported", "Contradicted", "No effect (equivalent)", "Inconclusive"]

POWER = 0.8
"""Power at which the minimum detectable effect is quoted."""


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values for one report's declared hypotheses.

    The k-th smallest p is multiplied by (m - k + 1), made non-decreasing and capped at 1: what
    statsmodels' `multipletests(method="holm")` returns, without the full garbage collection it
    runs on every call (1.5 s in a large process, most of a payback simulation's time).
    """
    p = np.asarray(pvalues, float)
    if p.size == 0:
        return np.array([])
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1)), 1.0)
    out = np.empty_like(p)
    out[order] = stepped
    return out


def _reference(df: float | None) -> stats.rv_continuous | stats.rv_frozen:
    """The test statistic's distribution: normal for model fits, t(df) for a pooled HKSJ estimate."""
    return stats.norm if df is None else stats.t(df)


def tost_p(log_ratio: float, se: float, sesoi: float, df: float | None = None) -> float:
    """Two one-sided tests against log(1/sesoi) and log(sesoi); the larger p is the TOST p.

    Significant at alpha exactly when the (1 - 2 alpha) interval lies inside the region. z-tests,
    or t-tests with `df` degrees of freedom when the SE itself is estimated from few repositories.
    """
    bound, dist = math.log(sesoi), _reference(df)
    p_above_lower = dist.sf((log_ratio + bound) / se)
    p_below_upper = dist.cdf((log_ratio - bound) / se)
    return float(max(p_above_lower, p_below_upper))


def mde_ratio(se: float, alpha: float, power: float = POWER, df: float | None = None) -> float:
    """Smallest ratio a two-sided test at level `alpha` detects with `power`, given this SE.

    Effects beyond this ratio (or below its inverse) would usually have been found. The level
    is the one the verdict uses (Holm's, in a family), so a reader is not promised a power
    the corrected test does not have.
    """
    dist = _reference(df)
    return float(math.exp((dist.isf(alpha / 2) + dist.ppf(power)) * se))


def holm_level(alpha: float, p_value: float, p_holm: float) -> float:
    """The level Holm tested this hypothesis at: alpha divided by the factor Holm applied to p.

    Holm rejects exactly when p_holm < alpha, i.e. when p < alpha * p / p_holm; so an interval
    at this level excludes 1 exactly when the verdict is Supported or Contradicted. The factor
    lies between 1 and the family size, so the level lies between alpha / m and alpha.
    """
    return alpha if p_value <= 0 or p_holm <= p_value else alpha * p_value / p_holm


@dataclass(frozen=True)
class Decision:
    """The verdict and the numbers it rests on."""

    verdict: Verdict
    p_holm: float
    tost_p: float
    mde_ratio: float
    negligible: bool  # point estimate inside the equivalence region
    level: float  # the interval below has confidence 1 - level
    ci_low: float  # the interval the verdict rests on, as ratios
    ci_high: float


def decide(
    log_ratio: float,
    se: float,
    p_holm: float,
    *,
    sesoi: float,
    alpha: float,
    p_value: float | None = None,
    df: float | None = None,
    equivalence_se: float | None = None,
) -> Decision:
    """Apply the verdict rules to the adjusted effect (log ratio per SD of worse quality).

    Supported: Holm p < alpha and ratio > 1. Contradicted: Holm p < alpha and ratio < 1.
    No effect (equivalent): not significant and TOST p < alpha. Inconclusive: otherwise.
    `p_value` is the unadjusted p (None: a family of one); `df` switches to a t reference. The
    decision carries the interval the verdict rests on: the (1 - 2 alpha) interval for
    equivalence, else the one at Holm's level, with the MDE at Holm's level. `equivalence_se`
    (default `se`) is the SE equivalence must hold under; inf when precision is not shown.
    """
    tost_se = se if equivalence_se is None else equivalence_se
    t = tost_p(log_ratio, tost_se, sesoi, df)
    negligible = abs(log_ratio) < math.log(sesoi)
    if p_holm < alpha:
        verdict: Verdict = "Supported" if log_ratio > 0 else "Contradicted"
    elif t < alpha:
        verdict = "No effect (equivalent)"
    else:
        verdict = "Inconclusive"
    holm_alpha = holm_level(alpha, p_holm if p_value is None else p_value, p_holm)
    equivalent = verdict == "No effect (equivalent)"
    level = 2 * alpha if equivalent else holm_alpha
    half = float(_reference(df).isf(level / 2)) * (tost_se if equivalent else se)
    return Decision(
        verdict,
        float(p_holm),
        t,
        mde_ratio(se, holm_alpha, df=df),
        negligible,
        level,
        math.exp(log_ratio - half),
        math.exp(log_ratio + half),
    )


def fmt_ratio(x: float) -> str:
    """Ratios as people read them: 1.84, 0.92, 15.3."""
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_p(p: float, name: str = "p") -> str:
    """p-values without false precision: "p<0.001", "p=0.012"."""
    return f"{name}<0.001" if p < 0.001 else f"{name}={p:.3f}"


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def interval_label(decision: Decision, alpha: float) -> str:
    """How the verdict's interval was made, e.g. "98.3% CI at Holm's level" or "90% CI (TOST)"."""
    conf = f"{100 * (1 - decision.level):.3g}% CI"
    if decision.verdict == "No effect (equivalent)":
        return f"{conf} (TOST)"
    return f"{conf} at Holm's level" if decision.level < alpha else conf


def explain(
    decision: Decision,
    ratio: float,
    *,
    quality: str,
    outcome: str,
    adjusted_for: Sequence[str],
    n_rows: int,
    row_noun: str,
    sesoi: float,
    alpha: float,
) -> str:
    """One sentence quoting the adjusted effect and the interval the verdict rests on, labelled."""
    adj = f"after adjusting for {and_list(adjusted_for)}" if adjusted_for else "without adjustment"
    effect = (
        f"one SD worse {quality} goes with {fmt_ratio(ratio)}x "
        f"[{fmt_ratio(decision.ci_low)}-{fmt_ratio(decision.ci_high)}, {interval_label(decision, alpha)}] "
        f"the {outcome} {adj}"
    )
    n = f"n={n_rows} {row_noun}"
    v = decision.verdict
    if v == "Supported":
        tail = (
            f"; statistically clear but inside the {fmt_ratio(sesoi)}x that matters"
            if decision.negligible
            else ""
        )
        return f"Supported: {effect} ({fmt_p(decision.p_holm, 'Holm p')}, {n}){tail}."
    if v == "Contradicted":
        return (
            f"Contradicted: {effect}, i.e. worse quality goes with less, not more "
            f"({fmt_p(decision.p_holm, 'Holm p')}, {n})."
        )
    if v == "No effect (equivalent)":
        return (
            f"No effect (equivalent): {effect}, inside the equivalence region "
            f"{fmt_ratio(1 / sesoi)}-{fmt_ratio(sesoi)} ({fmt_p(decision.tost_p, 'TOST p')}, {n})."
        )
    at_holm = " at Holm's level" if decision.level < alpha else ""
    return (
        f"Inconclusive: {effect}; neither a clear effect nor equivalence, as these data can only "
        f"detect effects beyond {fmt_ratio(decision.mde_ratio)}x (or below "
        f"{fmt_ratio(1 / decision.mde_ratio)}x) with {POWER:.0%} power{at_holm} ({n})."
    )
