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
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower

Verdict = Literal["Supported", "Contradicted", "No effect (equivalent)", "Inconclusive"]

POWER = 0.8
"""Power at which the minimum detectable effect is quoted."""


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values for one report's declared hypotheses."""
    if len(pvalues) == 0:
        return np.array([])
    return multipletests(np.asarray(pvalues, float), method="holm")[1]


def tost_p(log_ratio: float, se: float, sesoi: float) -> float:
    """Two one-sided z-tests against log(1/sesoi) and log(sesoi); the larger p is the TOST p.

    Significant at alpha exactly when the (1 - 2 alpha) interval lies inside the region.
    """
    bound = math.log(sesoi)
    p_above_lower = stats.norm.sf((log_ratio + bound) / se)
    p_below_upper = stats.norm.cdf((log_ratio - bound) / se)
    return float(max(p_above_lower, p_below_upper))


def mde_ratio(se: float, alpha: float, power: float = POWER) -> float:
    """Smallest ratio a two-sided z-test at `alpha` detects with `power`, given this SE.

    Effects beyond this ratio (or below its inverse) would usually have been found.
    """
    d = NormalIndPower().solve_power(effect_size=None, nobs1=1, alpha=alpha, power=power, ratio=0)
    return float(math.exp(d * se))


@dataclass(frozen=True)
class Decision:
    """The verdict and the numbers it rests on."""

    verdict: Verdict
    p_holm: float
    tost_p: float
    mde_ratio: float
    negligible: bool  # point estimate inside the equivalence region


def decide(log_ratio: float, se: float, p_holm: float, *, sesoi: float, alpha: float) -> Decision:
    """Apply the verdict rules to the adjusted effect (log ratio per SD of worse quality).

    Supported: Holm p < alpha and ratio > 1. Contradicted: Holm p < alpha and ratio < 1.
    No effect (equivalent): not significant and TOST p < alpha. Inconclusive: otherwise.
    """
    t = tost_p(log_ratio, se, sesoi)
    negligible = abs(log_ratio) < math.log(sesoi)
    if p_holm < alpha:
        verdict: Verdict = "Supported" if log_ratio > 0 else "Contradicted"
    elif t < alpha:
        verdict = "No effect (equivalent)"
    else:
        verdict = "Inconclusive"
    return Decision(verdict, float(p_holm), t, mde_ratio(se, alpha), negligible)


def fmt_ratio(x: float) -> str:
    """Ratios as people read them: 1.84, 0.92, 15.3."""
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_p(p: float, name: str = "p") -> str:
    """p-values without false precision: "p<0.001", "p=0.012"."""
    return f"{name}<0.001" if p < 0.001 else f"{name}={p:.3f}"


def explain(
    decision: Decision,
    ratio: float,
    ci: tuple[float, float],
    *,
    quality: str,
    outcome: str,
    adjusted_for: Sequence[str],
    n_rows: int,
    row_noun: str,
    sesoi: float,
) -> str:
    """One sentence quoting the adjusted effect and CI behind the verdict."""
    adj = f"after adjusting for {' and '.join(adjusted_for)}" if adjusted_for else "without adjustment"
    effect = (
        f"one SD worse {quality} goes with {fmt_ratio(ratio)}x "
        f"[{fmt_ratio(ci[0])}-{fmt_ratio(ci[1])}] the {outcome} {adj}"
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
    return (
        f"Inconclusive: {effect}; neither a clear effect nor equivalence, as these data can only "
        f"detect effects beyond {fmt_ratio(decision.mde_ratio)}x (or below "
        f"{fmt_ratio(1 / decision.mde_ratio)}x) with {POWER:.0%} power ({n})."
    )
