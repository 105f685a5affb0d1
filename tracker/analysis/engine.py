"""Public entry points: test declared hypotheses on a unit x window panel and judge them.

Flow per hypothesis: prepare rows -> fit each adjustment level -> bands and descriptive view ->
(cluster bootstrap CIs when units repeat) -> Holm across the report -> verdict sentence.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from qroi.analysis import descriptive as desc
from qroi.analysis.bootstrap import MAX_FAILED_SHARE, BootstrapCI, cluster_bootstrap
from qroi.analysis.decision import decide, explain, holm, interval_label
from qroi.analysis.dose_response import dose_response
from qroi.analysis.models import ModelFit, NotEstimable, fit_outcome, refit_params
from qroi.analysis.prepare import (
    NOT_ESTIMABLE,
    Level,
    Prepared,
    Refusal,
    adjustment_levels,
    censored_label,
    non_positive_label,
    prepare,
)
from qroi.analysis.results import (
    BandComparison,
    BandSummary,
    Descriptive,
    Effect,
    HypothesisResult,
    Report,
)
from qroi.analysis.spec import HypothesisSpec

MIN_BAND_ROWS = 5
"""Bands with fewer rows are listed but not estimated or compared."""


def analyze_hypothesis(panel: pd.DataFrame, spec: HypothesisSpec, *, seed: int = 0) -> HypothesisResult:
    """Estimate and judge a single hypothesis (a Holm family of one)."""
    return make_report([estimate(panel, spec, seed=seed)]).hypotheses[0]


def analyze(
    panel: pd.DataFrame, specs: Sequence[HypothesisSpec], *, seed: int = 0, n_dropped_on_load: int = 0
) -> Report:
    """Estimate every declared hypothesis on one panel and judge them as one Holm family."""
    return make_report([estimate(panel, s, seed=seed) for s in specs], n_dropped_on_load=n_dropped_on_load)


def make_report(results: Sequence[HypothesisResult], n_dropped_on_load: int = 0) -> Report:
    """Holm-correct the adjusted p-values of the estimated hypotheses, then give verdicts.

    Use this directly to judge hypotheses estimated on different panels as one family.
    """
    ok = [i for i, r in enumerate(results) if r.ok]
    effects = [e for i in ok if (e := results[i].adjusted) is not None]  # every estimated one has it
    adjusted = holm([e.verdict_p for e in effects])
    model_only = holm([e.p_value for e in effects])
    judged = list(results)
    for i, p, p_model in zip(ok, adjusted, model_only, strict=True):
        judged[i] = _judge(results[i], float(p), float(p_model))
    return Report(tuple(judged), holm_family_size=len(ok), n_dropped_on_load=n_dropped_on_load)


def _equivalence_se(adj: Effect) -> float:
    """The SE equivalence must hold under: the larger of the model's and the bootstrap's.

    Equivalence is a claim of precision, so it must survive the less precise of the two; when
    the bootstrap ran but too many resamples failed, that precision is not shown at all (inf).
    """
    if adj.boot_resamples is None:
        return adj.se
    return math.inf if adj.boot_se is None else max(adj.se, adj.boot_se)


def _judge(result: HypothesisResult, p_holm: float, p_holm_model: float) -> HypothesisResult:
    """The verdict at the verdict SE (`Effect.verdict_se`); `p_holm_model` is Holm's p on the
    model's SE alone, to say when the bootstrap took a verdict the model alone would give."""
    spec, adj = result.spec, result.adjusted
    assert adj is not None  # only estimated results are judged
    args = {"sesoi": spec.sesoi, "alpha": spec.alpha}
    d = decide(
        adj.log_ratio,
        adj.verdict_se,
        p_holm,
        p_value=adj.verdict_p,
        equivalence_se=_equivalence_se(adj),
        **args,
    )
    caveats = result.warnings
    model_only = decide(adj.log_ratio, adj.se, p_holm_model, p_value=adj.p_value, **args).verdict
    if model_only in ("Supported", "Contradicted") and d.verdict != model_only and adj.boot_se is not None:
        note = (
            f"{model_only.lower()} on the model SE alone ({adj.se:.3f}), not on the cluster bootstrap's "
            f"{adj.boot_se:.3f}: the verdict rests on the larger"
        )
        caveats = tuple(dict.fromkeys((*caveats, note)))
    if model_only == "No effect (equivalent)" and d.verdict != model_only:
        basis = (
            f"the cluster bootstrap SE {adj.boot_se:.3f} exceeds the model's {adj.se:.3f}"
            if adj.boot_se is not None
            else f"the cluster bootstrap that checks it failed in {adj.boot_failed} of {adj.boot_resamples} resamples"
        )
        note = f"equivalence not claimed although the model SE alone would show it: {basis}"
        caveats = tuple(dict.fromkeys((*caveats, note)))  # judging a judged result adds it once
    sentence = explain(
        d,
        adj.ratio,
        quality=spec.label(spec.quality),
        outcome=spec.label(spec.outcome) + (" (geometric mean)" if spec.outcome_kind == "time" else ""),
        adjusted_for=[spec.label(c) for c in adj.adjusted_for],
        n_rows=result.n_rows,
        row_noun=spec.row_noun,
        sesoi=spec.sesoi,
        alpha=spec.alpha,
    )
    sentence = " ".join([sentence, *_reading_notes(result, adj)])
    return dataclasses.replace(
        result,
        p_holm=d.p_holm,
        tost_p=d.tost_p,
        mde_ratio=d.mde_ratio,
        verdict_ci=(d.ci_low, d.ci_high),
        verdict_ci_label=interval_label(d, spec.alpha),
        verdict=d.verdict,
        explanation=sentence,
        warnings=caveats,
    )


def _reading_notes(result: HypothesisResult, adj: Effect) -> list[str]:
    """What the verdict's rows and rung leave out, in words, after the verdict sentence."""
    spec, notes = result.spec, []
    censored = result.dropped.get(censored_label(spec)) if spec.censored_periods else None
    if censored:
        notes.append(f"Left out: the {censored_label(spec)}, {censored:,} {spec.row_noun}.")
    if spec.exposure and spec.exposure in adj.adjusted_for:
        exposure, no_exposure = (
            spec.label(spec.exposure),
            result.dropped.get(non_positive_label(spec.exposure), 0),
        )
        left_out = (
            f", and it leaves out the {no_exposure:,} {spec.row_noun} with no {exposure}"
            if no_exposure
            else ""
        )
        notes.append(
            f"The {adj.level} rung compares {spec.row_noun} of equal {exposure}: it measures whether "
            f"worse {spec.label(spec.quality)} goes with more {spec.label(spec.outcome)} per change, not whether "
            f"worse files are changed more often (a path of the effect this rung adjusts away){left_out}."
        )
    if not spec.unit:
        notes.append("Rows are treated as independent (no cluster column given).")
    return notes


def estimate(panel: pd.DataFrame, spec: HypothesisSpec, *, seed: int = 0) -> HypothesisResult:
    """All numbers for one hypothesis, before Holm and verdict (see `make_report`).

    Thin or degenerate data give a result with a status and reason, never an exception;
    a spec naming a column the panel lacks raises ValueError. statsmodels' warnings (singular
    designs in a bootstrap resample, convergence notes) are silenced here: what matters to the
    reader is reported in the result's `warnings` and fallbacks.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _estimate_quietly(panel, spec, seed)


def _estimate_quietly(panel: pd.DataFrame, spec: HypothesisSpec, seed: int) -> HypothesisResult:
    try:
        prep = prepare(panel, spec)
    except Refusal as r:
        return _refused(spec, r.status, r.reason, r.n_rows, r.n_units, r.n_dropped, r.dropped)
    try:
        return _estimate(prep, seed)
    except NotEstimable as exc:
        return _refused(
            spec, NOT_ESTIMABLE, str(exc), prep.n_rows, prep.n_units, prep.n_dropped, prep.dropped
        )


def _refused(
    spec: HypothesisSpec,
    status: str,
    reason: str,
    n_rows: int,
    n_units: int,
    n_dropped: int,
    dropped: dict[str, int],
) -> HypothesisResult:
    return HypothesisResult(
        name=spec.title,
        spec=spec,
        status=status,
        reason=reason,
        n_rows=n_rows,
        n_units=n_units,
        n_dropped=n_dropped,
        dropped=dict(dropped),
        clustered=False,
        verdict=status,
        explanation=f"{status}: {reason}.",
    )


@dataclasses.dataclass(frozen=True)
class _Bands:
    index: np.ndarray  # band per row, 0 = worst
    defs: list[tuple[str, float | None, float | None]]
    usable: list[int]
    rows: np.ndarray  # rows in usable bands
    dummies: np.ndarray | None  # indicator per usable band except the best (worst first)


def _bands(prep: Prepared, cuts: tuple[float, ...]) -> _Bands:
    index, defs = desc.assign_bands(prep.quality, cuts, prep.spec.higher_is_better)
    counts = np.bincount(index, minlength=len(defs))
    usable = [b for b in range(len(defs)) if counts[b] >= MIN_BAND_ROWS]
    rows = np.flatnonzero(np.isin(index, usable))
    dummies = np.column_stack([(index == b).astype(float) for b in usable[:-1]]) if len(usable) > 1 else None
    return _Bands(index, defs, usable, rows, dummies)


def _estimate(prep: Prepared, seed: int) -> HypothesisResult:
    spec = prep.spec
    kind, alpha, groups = spec.outcome_kind, spec.alpha, prep.groups
    levels = adjustment_levels(spec)
    fits = [fit_outcome(kind, prep.y, prep.design(lv), groups, alpha) for lv in levels]

    cuts = spec.bands or desc.default_cuts(prep.quality)
    bands = _bands(prep, cuts)
    band_groups = groups[bands.rows] if groups is not None else None
    # The worst-vs-best ratio at every rung, all on the same rows (those in usable bands).
    band_fits: list[ModelFit | None] = []
    caveats: list[str] = []
    empty = _empty_end_band(prep, bands, bands.rows)
    if empty:
        caveats.append(
            f"worst-vs-best band comparison not estimable: the {empty} band has no {spec.outcome} at all, "
            "so their ratio is unbounded"
        )
    elif len(bands.usable) > 1:
        for lv in levels:
            X = prep.design(lv, bands.rows, extra=bands.dummies)
            try:
                band_fits.append(fit_outcome(kind, prep.y[bands.rows], X, band_groups, alpha))
            except NotEstimable as exc:
                band_fits.append(None)
                caveats.append(f"worst-vs-best band comparison, {lv.name}, not estimable: {exc}")

    boot = None
    if prep.clustered and spec.n_boot > 0:
        boot = cluster_bootstrap(
            prep.units,
            _boot_statistic(prep, levels, fits, bands, band_fits),
            n_boot=spec.n_boot,
            confidence=1 - alpha,
            seed=seed,
        )

    notes = list(dict.fromkeys(f.fallback for f in [*fits, *band_fits] if f is not None and f.fallback))
    effects = tuple(
        _effect(prep, lv, fit, boot, i) for i, (lv, fit) in enumerate(zip(levels, fits, strict=True))
    )
    ladder = tuple(
        _comparison(lv, bands, fit, _interval(prep, fit, boot, len(levels) + i))
        for i, (lv, fit) in enumerate(zip(levels, band_fits, strict=False))
        if fit is not None
    )
    most_adjusted = ladder[-1] if ladder and ladder[-1].level == levels[-1].name else None

    counts = np.bincount(bands.index, minlength=len(bands.defs))
    summaries = _band_summaries(prep, bands, counts, band_groups)

    caveats += [f"model fallback: {n}" for n in notes]
    collinear = _extrapolation_caveat(prep, levels[-1], effects[-1])
    if collinear:
        caveats.append(collinear)
    if not spec.size:
        caveats.append("not adjusted for size: quality metrics largely track size, so expect confounding")
    small = [d[0] for b, d in enumerate(bands.defs) if 0 < counts[b] < MIN_BAND_ROWS]
    if small:
        caveats.append(f"bands with fewer than {MIN_BAND_ROWS} rows not estimated: {', '.join(small)}")
    if boot is not None:
        names = [lv.name for lv in levels] + [
            f"worst-vs-best band, {lv.name}" for lv in levels[: len(band_fits)]
        ]
        caveats += _bootstrap_caveats(boot, names)

    return HypothesisResult(
        name=spec.title,
        spec=spec,
        status="ok",
        reason=None,
        n_rows=prep.n_rows,
        n_units=prep.n_units,
        n_dropped=prep.n_dropped,
        dropped=dict(prep.dropped),
        clustered=prep.clustered,
        effects=effects,
        cut_points=tuple(cuts),
        bands_source="given" if spec.bands else "tertiles",
        bands=summaries,
        band_comparison=most_adjusted,
        band_ladder=ladder,
        descriptive=_descriptive(prep, bands),
        dose_response=dose_response(prep),
        warnings=tuple(caveats),
    )


COLLINEAR_R2 = 0.75
"""Share of the quality metric's variance explained by the adjusters above which the adjusted
per-SD effect is flagged as an extrapolation (MI, largely a size measure, often is)."""


def _extrapolation_caveat(prep: Prepared, level: Level, adjusted: Effect) -> str | None:
    """Say so when the adjusters explain most of the quality metric.

    The adjusted effect is per SD of quality *at fixed size (and exposure)*, but it is scaled by
    the metric's overall SD. When size explains most of that SD, files of equal size rarely
    differ by one SD, and the per-SD ratio is an extrapolation that can look enormous; the ratio
    for a typical difference at fixed size (the residual SD) is what the data actually span.
    """
    if not level.covariates:
        return None
    z = prep.z_worse()
    X = np.column_stack([np.ones(prep.n_rows), *(prep.log_covariates[c] for c in level.covariates)])
    residual = z - X @ np.linalg.lstsq(X, z, rcond=None)[0]
    r2 = 1.0 - float(residual.var()) / float(z.var())
    if r2 < COLLINEAR_R2:
        return None
    within = float(residual.std(ddof=X.shape[1]))
    return (
        f"{prep.spec.quality} is {r2:.0%} explained by {' and '.join(level.covariates)} here: at fixed "
        f"{' and '.join(level.covariates)} files typically differ by {within:.2f} SD, so the adjusted ratio per "
        f"SD extrapolates; for that typical difference it is {adjusted.ratio**within:.2f}x"
    )


def _band_summaries(
    prep: Prepared, bands: _Bands, counts: np.ndarray, groups: np.ndarray | None
) -> tuple[BandSummary, ...]:
    """Per-band outcome level with CI (unadjusted, for the chart); tiny bands listed without one."""
    levels = (
        desc.band_levels(
            prep.spec.outcome_kind,
            prep.y[bands.rows],
            bands.index[bands.rows],
            bands.usable,
            groups,
            prep.spec.alpha,
        )
        if bands.usable
        else {}
    )
    out = []
    for b, (label, lo, hi) in enumerate(bands.defs):
        est, ci_low, ci_high = levels.get(b, (None, None, None))
        out.append(
            BandSummary(
                label=label,
                lower=lo,
                upper=hi,
                position=_position(b, bands.usable),
                n_rows=int(counts[b]),
                estimate=est,
                ci_low=ci_low,
                ci_high=ci_high,
            )
        )
    return tuple(out)


def _position(band: int, usable: list[int]) -> str:
    if usable and band == usable[0]:
        return "worst"
    if usable and band == usable[-1]:
        return "best"
    return "middle"


def _empty_end_band(prep: Prepared, bands: _Bands, rows: np.ndarray) -> str | None:
    """'worst' or 'best' when that end band has no count events among `rows`, else None.

    A count model's band contrast against a band without events has no finite maximum: the fit
    stops at an arbitrary huge ratio (flask and httpx's cc_max bands gave 1e10 with a 'percentile
    interval' that did not contain it), and a resample without the band's few events does the same.
    """
    if prep.spec.outcome_kind != "count" or len(bands.usable) < 2:
        return None
    index = bands.index[rows]
    for name, band in (("worst", bands.usable[0]), ("best", bands.usable[-1])):
        if not prep.y[rows][index == band].any():
            return name
    return None


def _boot_statistic(
    prep: Prepared, levels: list[Level], fits: list[ModelFit], bands: _Bands, band_fits: list[ModelFit | None]
) -> Callable[[np.ndarray], np.ndarray]:
    """Refit every level (and the band contrast at every level) on one resample of units.

    Quality is re-standardised inside each resample, because "one SD" is itself estimated.
    """
    band_member = np.zeros(prep.n_rows, bool)
    band_member[bands.rows] = True

    def statistic(rows: np.ndarray) -> np.ndarray:
        out = []
        for lv, fit in zip(levels, fits, strict=True):
            params = refit_params(fit, prep.y[rows], prep.design(lv, rows))
            out.append(params[1] if params is not None else np.nan)
        sub = rows[band_member[rows]]
        empty = _empty_end_band(prep, bands, sub)  # a failed resample, not a huge ratio
        for lv, band_fit in zip(levels, band_fits, strict=False):
            params = (
                refit_params(band_fit, prep.y[sub], prep.design(lv, sub, extra=bands.dummies))
                if band_fit is not None and not empty
                else None
            )
            out.append(params[1] if params is not None else np.nan)
        return np.array(out)

    return statistic


def _bootstrap_caveats(boot: BootstrapCI, names: list[str]) -> list[str]:
    """Per estimate: how many resamples failed, and what became of its interval."""
    caveats = []
    for i, name in enumerate(names):
        if boot.failed[i]:
            fate = (
                "left out of its percentile interval"
                if boot.usable(i)
                else f"over {MAX_FAILED_SHARE:.0%}, so its interval is cluster-robust Wald instead"
            )
            caveats.append(f"bootstrap, {name}: {boot.failures(i)}, {fate}")
    return caveats


def _interval(prep: Prepared, fit: ModelFit, boot: BootstrapCI | None, i: int) -> tuple[float, float, str]:
    """CI on the log scale and how it was obtained, with the bootstrap's failure share."""
    unit = prep.spec.unit
    if boot is not None and boot.usable(i):
        return (
            float(boot.low[i]),
            float(boot.high[i]),
            f"cluster bootstrap percentile over {boot.n_units} units by {unit} ({boot.failures(i)})",
        )
    if prep.clustered:
        why = (
            f"bootstrap not trusted: {boot.failures(i)}"
            if boot is not None
            else "bootstrap disabled (n_boot=0)"
        )
        return float(fit.conf_int[1, 0]), float(fit.conf_int[1, 1]), f"cluster-robust Wald by {unit} ({why})"
    return float(fit.conf_int[1, 0]), float(fit.conf_int[1, 1]), "model Wald"


def _effect(prep: Prepared, level: Level, fit: ModelFit, boot: BootstrapCI | None, i: int) -> Effect:
    lo, hi, method = _interval(prep, fit, boot, i)
    b = float(fit.params[1])
    return Effect(
        level=level.name,
        adjusted_for=level.adjusted_for,
        ratio=float(np.exp(b)),
        ci_low=float(np.exp(lo)),
        ci_high=float(np.exp(hi)),
        p_value=float(fit.pvalues[1]),
        log_ratio=b,
        se=float(fit.bse[1]),
        ci_method=method,
        model=fit.description,
        note=fit.fallback,
        boot_resamples=boot.n_boot if boot is not None else None,
        boot_failed=int(boot.failed[i]) if boot is not None else None,
        boot_se=float(boot.se[i]) if boot is not None and boot.usable(i) else None,
    )


def _comparison(
    level: Level, bands: _Bands, fit: ModelFit, interval: tuple[float, float, str]
) -> BandComparison:
    lo, hi, method = interval
    return BandComparison(
        worst=bands.defs[bands.usable[0]][0],
        best=bands.defs[bands.usable[-1]][0],
        ratio=float(np.exp(fit.params[1])),
        ci_low=float(np.exp(lo)),
        ci_high=float(np.exp(hi)),
        p_value=float(fit.pvalues[1]),
        adjusted_for=level.adjusted_for,
        ci_method=method,
        model=fit.description,
        level=level.name,
    )


def _descriptive(prep: Prepared, bands: _Bands) -> Descriptive:
    z = prep.z_worse()
    rho, p = desc.spearman(z, prep.y)
    prho = pp = None
    if prep.spec.size:
        prho, pp = desc.partial_spearman(z, prep.y, prep.log_covariates[prep.spec.size])
    delta = u = up = label = None
    if len(bands.usable) > 1:
        worst = prep.y[bands.index == bands.usable[0]]
        best = prep.y[bands.index == bands.usable[-1]]
        delta, u, up = desc.cliffs_delta(worst, best)
        label = desc.cliffs_label(delta)
    return Descriptive(
        spearman_rho=rho,
        spearman_p=p,
        partial_spearman_rho=prho,
        partial_spearman_p=pp,
        cliffs_delta=delta,
        cliffs_label=label,
        mann_whitney_u=u,
        mann_whitney_p=up,
    )
