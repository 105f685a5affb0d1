"""Pool one hypothesis across repositories: random-effects meta-analysis, judged like a repo.

Repos differ in language, team and process, so a single common effect is an assumption to check,
not to impose: tau^2 is the between-repo variance and I^2 the share of spread it explains.

tau^2 is Paule-Mandel's estimate, which is never negative: DerSimonian-Laird's moment estimate
can be, and a negative tau^2 gives repositories negative weights and an interval narrower than
the fixed-effect one. With few repositories the normal interval is too narrow because tau^2 is
itself a guess from a handful of numbers, so below `HKSJ_BELOW` repos the interval and p-value
are Hartung-Knapp-Sidik-Jonkman's (t with k - 1 df), never narrower than the standard one.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from qroi.analysis.decision import decide, explain, holm, interval_label
from qroi.analysis.results import HypothesisResult, to_jsonable
from qroi.analysis.spec import HypothesisSpec

MIN_REPOS = 2
HKSJ_BELOW = 10
"""Fewer repositories than this: Hartung-Knapp-Sidik-Jonkman t intervals instead of normal ones."""
PM_TOLERANCE = 1e-4
"""Paule-Mandel has converged when the generalised Q equals k - 1 to within this (or tau^2 = 0)."""


@dataclass(frozen=True)
class RepoEffect:
    """One repo's adjusted effect and its relative random-effects weight (positive, sums to 1)."""

    name: str
    ratio: float
    ci_low: float
    ci_high: float
    weight: float


@dataclass(frozen=True)
class PooledResult:
    """Random-effects pooled ratio (per SD of worse quality), its heterogeneity and its verdict.

    `log_ratio` and `se` are what the verdict uses; `df` is set when the reference is t (HKSJ).
    `ci_low`/`ci_high` are the 1 - alpha interval; `verdict_ci` the one the verdict rests on.
    """

    name: str
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
    log_ratio: float | None = None
    se: float | None = None
    df: float | None = None
    spec: HypothesisSpec | None = None
    p_holm: float | None = None
    tost_p: float | None = None
    mde_ratio: float | None = None
    verdict: str | None = None
    verdict_ci: tuple[float, float] | None = None
    verdict_ci_label: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the repositories could be pooled."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)


Results = Mapping[str, HypothesisResult] | Sequence[HypothesisResult]


def pool(results_per_repo: Results) -> PooledResult:
    """Pool the per-repo results of one hypothesis and judge it as a Holm family of one.

    Accepts {repo name: result} or a list (named by position). Refused results are excluded and
    listed. Uses each result's adjusted log ratio and its SE (cluster-robust when units repeat).
    """
    return judge_pooled([combine(results_per_repo)])[0]


def pool_hypotheses(results: Mapping[str, Results]) -> dict[str, PooledResult]:
    """Pool each hypothesis ({hypothesis: per-repo results}) and judge them as one Holm family.

    The per-repo reports are Holm families of their own; the pooled answers are a second set of
    tests of the same declared hypotheses, so they are corrected among themselves.
    """
    pooled = judge_pooled([combine(r) for r in results.values()])
    return dict(zip(results, pooled, strict=True))


def _named(results: Results) -> list[tuple[str, HypothesisResult]]:
    if isinstance(results, Mapping):
        return list(results.items())
    return [(f"repo {i + 1}", r) for i, r in enumerate(results)]


def combine(results_per_repo: Results) -> PooledResult:
    """The random-effects estimate of one hypothesis across repos, before Holm and verdict."""
    items = _named(results_per_repo)
    usable = {n: r for n, r in items if r.ok and r.adjusted is not None and r.adjusted.se > 0}
    excluded = tuple(n for n, _ in items if n not in usable)
    name = next((r.name for _, r in items), "")
    spec = next((r.spec for r in usable.values()), None)
    small = len(usable) < HKSJ_BELOW
    method = "random effects (Paule-Mandel tau^2, " + (
        f"Hartung-Knapp-Sidik-Jonkman t interval with {len(usable) - 1} df)" if small else "normal interval)"
    )
    if len(usable) < MIN_REPOS or spec is None:
        reason = f"only {len(usable)} repos with an estimate (need at least {MIN_REPOS})"
        return PooledResult(
            name=name,
            status="Too little data",
            reason=reason,
            k=len(usable),
            ratio=None,
            ci_low=None,
            ci_high=None,
            p_value=None,
            tau2=None,
            i2=None,
            q=None,
            q_p=None,
            method=method,
            repos=(),
            excluded=excluded,
            summary=f"{name}: too little data: {reason}.",
        )
    names = list(usable)
    eff = np.array([r.adjusted.log_ratio for r in usable.values()])  # type: ignore[union-attr]
    var = np.array([r.adjusted.se for r in usable.values()]) ** 2  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in unused columns when tau^2 = 0
        res = combine_effects(eff, var, method_re="pm", row_names=names, maxiter=200)
        frame = res.summary_frame(alpha=spec.alpha, use_t=False)
    tau2, k = float(res.tau2), len(names)
    notes = []
    q_ratio = float(res.scale_hksj_re)  # generalised Q / (k - 1) at the estimated tau^2
    if not (abs(q_ratio - 1) < PM_TOLERANCE or (tau2 == 0 and q_ratio <= 1)):
        notes.append(f"Paule-Mandel tau^2 did not converge (Q/(k-1) = {q_ratio:.3f})")
    mean = float(res.mean_effect_re)
    # HKSJ scales the variance by Q/(k-1); never below 1, or it can undercut even fixed effects.
    se = float(res.sd_eff_w_re) * (np.sqrt(max(1.0, q_ratio)) if small else 1.0)
    df = float(k - 1) if small else None
    dist = stats.norm if df is None else stats.t(df)
    half = float(dist.isf(spec.alpha / 2)) * se
    homog = res.test_homogeneity()
    weights = frame.loc[names, "w_re"].to_numpy(float)
    repos = tuple(
        RepoEffect(
            n,
            float(np.exp(frame.loc[n, "eff"])),
            float(np.exp(frame.loc[n, "ci_low"])),
            float(np.exp(frame.loc[n, "ci_upp"])),
            float(w),
        )
        for n, w in zip(names, weights, strict=True)
    )
    i2 = float(max(res.i2, 0.0))
    return PooledResult(
        name=name,
        status="ok",
        reason=None,
        k=k,
        ratio=float(np.exp(mean)),
        ci_low=float(np.exp(mean - half)),
        ci_high=float(np.exp(mean + half)),
        p_value=float(2 * dist.sf(abs(mean / se))),
        tau2=tau2,
        i2=i2,
        q=float(homog.statistic),
        q_p=float(homog.pvalue),
        method=method,
        repos=repos,
        excluded=excluded,
        summary="",
        log_ratio=mean,
        se=se,
        df=df,
        spec=spec,
        warnings=tuple(notes),
    )


def judge_pooled(pooled: Sequence[PooledResult]) -> list[PooledResult]:
    """Holm across the pooled hypotheses, then a verdict and a sentence naming each hypothesis."""
    ok = [i for i, p in enumerate(pooled) if p.ok]
    adjusted = holm([pooled[i].p_value for i in ok])  # type: ignore[misc]
    judged = list(pooled)
    for i, p_holm in zip(ok, adjusted, strict=True):
        judged[i] = _judge(pooled[i], float(p_holm))
    return judged


def _judge(p: PooledResult, p_holm: float) -> PooledResult:
    spec = p.spec
    assert spec is not None and p.log_ratio is not None and p.se is not None and p.ratio is not None
    d = decide(p.log_ratio, p.se, p_holm, sesoi=spec.sesoi, alpha=spec.alpha, p_value=p.p_value, df=p.df)
    sentence = explain(
        d,
        p.ratio,
        quality=spec.label(spec.quality),
        outcome=spec.label(spec.outcome) + (" (geometric mean)" if spec.outcome_kind == "time" else ""),
        adjusted_for=[spec.label(c) for c in (spec.size, spec.exposure, spec.period) if c],
        n_rows=p.k,
        row_noun="repos",
        sesoi=spec.sesoi,
        alpha=spec.alpha,
    )
    summary = (
        f"{p.name}, pooled over {p.k} repos ({p.method}; I^2={p.i2:.0%}, tau^2={p.tau2:.3g}): {sentence}"
    )
    return dataclasses.replace(
        p,
        p_holm=d.p_holm,
        tost_p=d.tost_p,
        mde_ratio=d.mde_ratio,
        verdict=d.verdict,
        verdict_ci=(d.ci_low, d.ci_high),
        verdict_ci_label=interval_label(d, spec.alpha),
        summary=summary,
    )
