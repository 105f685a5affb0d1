"""Regression models: negative binomial for counts, OLS on log(time) for times.

Counts are overdispersed (a few files attract most bug fixes), so the main count model is NB2
with its dispersion alpha estimated. Its likelihood is awkward to optimise (alpha is flat far
from the data and BFGS can stop at alpha = 0 with a far lower likelihood), so it is fitted from
several starts and optimisers, one of them the profile-likelihood alpha (each alpha fixed is a
GLM fitted by IRLS, which does not get lost), and the highest likelihood is kept. Only when that
maximum sits at alpha = 0 (no overdispersion), or no fit converges, do we use Poisson with
robust errors: its coefficients stay consistent under any dispersion and the sandwich fixes the
errors, so the answer is still honest. The description names the fit used.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.tools.sm_exceptions import HessianInversionWarning

from qroi.analysis.spec import OutcomeKind

NB_ALPHA_BOUNDARY = 1e-4
"""An NB dispersion below this means no overdispersion: the NB likelihood is at its boundary."""
PROFILE_LOG_ALPHA = (math.log(1e-6), math.log(1e4))
"""Range searched for the profile-likelihood alpha; the lower end is the Poisson boundary."""
PROFILE_XATOL = 0.01
"""How close in log(alpha) the profile search gets before Newton polishes every parameter."""
FIT_ERRORS = (np.linalg.LinAlgError, ValueError, OverflowError, ZeroDivisionError, FloatingPointError)
"""What statsmodels raises when an optimiser wanders off; such a try counts as failed."""


class NotEstimable(Exception):
    """The model cannot be fitted on these data (e.g. collinear design)."""


@dataclass(frozen=True)
class ModelFit:
    """Coefficients on the log scale with their errors; `family` drives bootstrap refits."""

    params: np.ndarray
    bse: np.ndarray
    pvalues: np.ndarray
    conf_int: np.ndarray
    family: str  # "nb", "poisson" or "ols"
    description: str
    fallback: str | None = None
    nb_alpha: float | None = None
    llf: float | None = None


NELDER_MEAD_MAX_COLUMNS = 8
"""Design width up to which the NB fit also tries Nelder-Mead (it slows badly beyond)."""


def _cov(groups: np.ndarray | None, default: str) -> dict:
    if groups is None:
        return {"cov_type": default} if default != "nonrobust" else {}
    return {"cov_type": "cluster", "cov_kwds": {"groups": groups}}


def _few_clusters(
    fit: ModelFit,
    model_bse: Callable[[], np.ndarray],
    groups: np.ndarray | None,
    alpha: float,
    df: float | None = None,
) -> ModelFit:
    """`fit` with each cluster-robust SE raised to the model's own when clusters are too few.

    A cluster-robust covariance from G clusters has rank at most G - 1: with no more clusters than
    coefficients (window effects add one per window) it cannot estimate them all and comes out far
    too small. On flask (29 lineages, 31 coefficients) it gave 0.023 where the model's SE was 0.073
    and the cluster bootstrap's 0.161, and a verdict "Supported" on noise. The model-based SE
    ignores the clustering, so it is a floor, not a fix; the description says so. `model_bse` is
    called only then.
    """
    k = len(fit.params)
    n_groups = 0 if groups is None else len(np.unique(groups))
    if groups is None or n_groups > k:
        return fit
    bse = np.maximum(fit.bse, model_bse()[:k])
    reference = stats.t(df) if df else stats.norm
    half = reference.isf(alpha / 2) * bse
    return dataclasses.replace(
        fit,
        bse=bse,
        pvalues=2 * reference.sf(np.abs(fit.params / bse)),
        conf_int=np.column_stack([fit.params - half, fit.params + half]),
        description=(
            f"{fit.description}, floored at the model's own SE ({n_groups} clusters for {k} "
            "coefficients: too few for cluster-robust errors)"
        ),
    )


def _model_bse(res: Any) -> np.ndarray:
    """The model-based (inverse observed information) SEs of a fitted likelihood model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cov = np.linalg.inv(-np.asarray(res.model.hessian(np.asarray(res.params))))
        except FIT_ERRORS:
            return np.zeros(len(res.params))
    return np.sqrt(np.clip(np.diag(cov), 0, None))


def _check_rank(X: np.ndarray) -> None:
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise NotEstimable(
            "quality is collinear with the adjustment covariates; their effects cannot be separated"
        )


def _profile_alpha(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """The alpha maximising the profile likelihood (IRLS at each alpha), with its coefficients."""

    def fit_at(log_alpha: float) -> Any:
        family = sm.families.NegativeBinomial(alpha=math.exp(log_alpha))
        return sm.GLM(y, X, family=family).fit()

    def negative_llf(log_alpha: float) -> float:
        try:
            llf = float(fit_at(log_alpha).llf)
        except FIT_ERRORS:  # IRLS lost at an extreme alpha: that alpha is not the answer
            return math.inf
        return -llf if math.isfinite(llf) else math.inf

    # SciPy's default tolerance (1e-5) costs a third more IRLS fits and moves no reported figure.
    best = optimize.minimize_scalar(
        negative_llf, bounds=PROFILE_LOG_ALPHA, method="bounded", options={"xatol": PROFILE_XATOL}
    )
    return np.asarray(fit_at(float(best.x)).params), math.exp(float(best.x))


@dataclass(frozen=True)
class _Try:
    """One NB optimisation: how it was started, and the result or why it was discarded."""

    name: str
    result: Any = None
    failure: str | None = None
    profile_alpha: float | None = None  # for the try started from it


def _nb_try(
    y: np.ndarray, X: np.ndarray, name: str, options: dict[str, Any], cov: dict[str, Any], errors: bool = True
) -> _Try:
    """Run one optimiser; keep it only if it converged to finite estimates and, when `errors`,
    a usable Hessian and standard errors (a bootstrap refit needs the estimates only)."""
    k = X.shape[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, **options, **cov)
        except FIT_ERRORS as exc:
            return _Try(name, failure=f"failed ({exc})")
    if not res.mle_retvals.get("converged", False):
        return _Try(name, failure="did not converge")
    if errors and any(issubclass(w.category, HessianInversionWarning) for w in caught):
        return _Try(name, failure="Hessian was not invertible")
    finite = np.all(np.isfinite(res.params)) and np.isfinite(res.llf)
    if errors:
        bse = np.asarray(res.bse)[:k]
        finite = finite and np.all(np.isfinite(bse)) and np.all(bse > 0)
    return _Try(name, result=res) if finite else _Try(name, failure="gave non-finite estimates")


def _nb_tries(y: np.ndarray, X: np.ndarray, cov: dict[str, Any]) -> list[_Try]:
    """statsmodels' default start under BFGS (and Nelder-Mead on small designs), and Newton from
    the profile alpha.

    Nelder-Mead is skipped past NELDER_MEAD_MAX_COLUMNS: with window effects a design has dozens
    of columns, where the simplex crawls (14 s a fit on flask) and rarely converges; the profile
    likelihood (one-dimensional in alpha, IRLS inside) is what finds alpha off the boundary there.
    """
    tries = [_nb_try(y, X, "BFGS", {"method": "bfgs", "maxiter": 200}, cov)]
    if X.shape[1] <= NELDER_MEAD_MAX_COLUMNS:
        tries.append(_nb_try(y, X, "Nelder-Mead", {"method": "nm", "maxiter": 5000}, cov))
    try:
        params, alpha = _profile_alpha(y, X)
    except FIT_ERRORS as exc:
        return [*tries, _Try("profile-likelihood alpha", failure=f"failed ({exc})")]
    start = np.append(params, max(alpha, NB_ALPHA_BOUNDARY))
    options = {"method": "newton", "maxiter": 100, "start_params": start}
    newton = _nb_try(y, X, "Newton from the profile-likelihood alpha", options, cov)
    return [*tries, dataclasses.replace(newton, profile_alpha=alpha)]


def _fit_nb(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float) -> ModelFit | str:
    """NB2 fit with the highest likelihood over several optimisers, or why NB is not used."""
    k = X.shape[1]
    tries = _nb_tries(y, X, _cov(groups, "nonrobust"))
    good = [t for t in tries if t.result is not None]
    profile = next((t.profile_alpha for t in tries if t.profile_alpha is not None), None)
    if not good and profile is not None and profile < NB_ALPHA_BOUNDARY:
        # Near alpha = 0 the NB Hessian is singular, so no full fit passes; the profile says why.
        return "no overdispersion (the negative binomial profile likelihood is highest at alpha = 0)"
    if not good:
        return (
            "negative binomial did not converge (" + "; ".join(f"{t.name} {t.failure}" for t in tries) + ")"
        )
    best = max(good, key=lambda t: float(t.result.llf))
    res = best.result
    params = np.asarray(res.params)
    nb_alpha = float(params[-1])
    if nb_alpha < NB_ALPHA_BOUNDARY:
        return (
            f"no overdispersion (the negative binomial likelihood is highest at alpha = 0 over "
            f"{len(good)} converged fits)"
        )
    robust = ", cluster-robust SE" if groups is not None else ""
    fit = ModelFit(
        params=params[:k],
        bse=np.asarray(res.bse)[:k],
        pvalues=np.asarray(res.pvalues)[:k],
        conf_int=np.asarray(res.conf_int(alpha))[:k],
        family="nb",
        description=(
            f"negative binomial (NB2, alpha={nb_alpha:.3g}, log-likelihood {float(res.llf):.1f} by "
            f"{best.name}, the highest of {len(good)} of {len(tries)} fits that converged){robust}"
        ),
        nb_alpha=nb_alpha,
        llf=float(res.llf),
    )
    return _few_clusters(fit, lambda: _model_bse(res), groups, alpha)


def _fit_poisson(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float, why: str) -> ModelFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit(**_cov(groups, "HC0"))
    if not (np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse))):
        raise NotEstimable(f"{why}, and the Poisson fallback failed too")
    kind = "cluster-robust" if groups is not None else "robust (HC0)"
    fit = ModelFit(
        params=np.asarray(res.params),
        bse=np.asarray(res.bse),
        pvalues=np.asarray(res.pvalues),
        conf_int=np.asarray(res.conf_int(alpha)),
        family="poisson",
        description=f"Poisson with {kind} SE (fallback: {why})",
        fallback=why,
    )
    return _few_clusters(fit, lambda: _model_bse(res), groups, alpha)


def fit_count(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray | None = None, alpha: float = 0.05
) -> ModelFit:
    """NB2 regression of a count on X (first column constant); Poisson+robust SE as fallback."""
    _check_rank(X)
    nb = _fit_nb(y, X, groups, alpha)
    return nb if isinstance(nb, ModelFit) else _fit_poisson(y, X, groups, alpha, nb)


def fit_time(
    log_y: np.ndarray, X: np.ndarray, groups: np.ndarray | None = None, alpha: float = 0.05
) -> ModelFit:
    """OLS of log(time) on X with HC3 errors (cluster-robust when units repeat)."""
    _check_rank(X)
    res = sm.OLS(log_y, X).fit(**_cov(groups, "HC3"))
    if not (np.all(np.isfinite(res.bse)) and np.all(res.bse[1:] > 0)):
        raise NotEstimable("OLS on log time gave non-finite standard errors")
    errors = "cluster-robust" if groups is not None else "HC3"
    fit = ModelFit(
        params=np.asarray(res.params),
        bse=np.asarray(res.bse),
        pvalues=np.asarray(res.pvalues),
        conf_int=np.asarray(res.conf_int(alpha)),
        family="ols",
        description=f"OLS on log time, {errors} SE",
    )
    return _few_clusters(
        fit, lambda: np.asarray(sm.OLS(log_y, X).fit().bse), groups, alpha, df=float(res.df_resid)
    )


def fit_outcome(
    kind: OutcomeKind, y: np.ndarray, X: np.ndarray, groups: np.ndarray | None = None, alpha: float = 0.05
) -> ModelFit:
    """Dispatch on the outcome kind; `y` is the count or log(time)."""
    return fit_count(y, X, groups, alpha) if kind == "count" else fit_time(y, X, groups, alpha)


def _refit_nb(fit: ModelFit, y: np.ndarray, X: np.ndarray) -> np.ndarray | None:
    """From the full-sample optimum: IRLS at the full-sample alpha, then the full NB search.

    Held at the full sample's alpha, a resample's coefficients are quasi-likelihood estimates
    (consistent whatever alpha is), found in a few IRLS steps; only when IRLS does not converge
    (sparse, strongly overdispersed resamples) does the resample get Newton and BFGS from the
    full-sample optimum, then the full search. Searching every resample in full spent most of
    `qroi analyze` in optimisers lost near alpha = 0 (the demo: 47 s of CPU, now 14 s). What IRLS
    leaves out is alpha's own sampling variation, second-order for the coefficients.
    """
    assert fit.nb_alpha is not None
    family = sm.families.NegativeBinomial(alpha=fit.nb_alpha)
    res = sm.GLM(y, X, family=family).fit(start_params=fit.params, maxiter=100)
    if res.converged and np.all(np.isfinite(res.params)):
        return np.asarray(res.params)
    start = np.append(fit.params, fit.nb_alpha)
    for name, method, maxiter in (("warm Newton", "newton", 50), ("warm BFGS", "bfgs", 200)):
        options = {"method": method, "maxiter": maxiter, "start_params": start}
        warm = _nb_try(y, X, name, options, {}, errors=False)
        if warm.result is not None:
            return np.asarray(warm.result.params)[: X.shape[1]]
    good = [t.result for t in _nb_tries(y, X, {}) if t.result is not None]
    if not good:
        return None
    return np.asarray(max(good, key=lambda r: float(r.llf)).params)[: X.shape[1]]


def _without_eventless_indicators(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the rows of every adjustment indicator (a window) whose rows have no event at all.

    Such a window's effect goes to minus infinity, so no optimiser converges (before this, most
    refits of a resample that drew such a window fell through to the slow full search and many
    failed). In that limit its rows add nothing to the likelihood (a count of 0 at a mean of 0 has
    probability 1 under Poisson and NB), so the maximum over the other parameters is exactly the
    fit without those rows; their indicator is then all zero and leaves the design below.
    Columns 0 and 1 (constant, quality or band) are never touched.
    """
    keep = np.ones(len(y), bool)
    for j in range(2, X.shape[1]):
        column = X[:, j]
        on = column == 1
        if on.any() and np.all((column == 0) | on) and not np.any(y[on & keep] > 0):
            keep &= ~on
    return (y, X) if keep.all() else (y[keep], X[keep])


def refit_params(fit: ModelFit, y: np.ndarray, X: np.ndarray) -> np.ndarray | None:
    """Point estimates only, warm-started from `fit`, for bootstrap resamples; None on failure.

    Uses the same family as the full-sample fit so the bootstrap describes that estimator, and
    the same search as the full-sample NB fit when the warm start fails, so a resample fails only
    when no optimiser fits it (or its design is singular), not because one optimiser got lost.
    """
    if fit.family != "ols":
        y, X = _without_eventless_indicators(y, X)
    present = np.flatnonzero(np.any(X != 0, axis=0))
    if len(present) < X.shape[1]:
        # A window none of the resampled units were in: its indicator is all zero and its effect
        # has no rows to be estimated from, so it leaves the design (quality stays column 1).
        X, fit = X[:, present], dataclasses.replace(fit, params=fit.params[present])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if fit.family == "ols":
                return np.asarray(sm.OLS(y, X).fit().params)
            if fit.family == "poisson":
                res = sm.GLM(y, X, family=sm.families.Poisson()).fit(start_params=fit.params)
                return np.asarray(res.params) if res.converged else None
            return _refit_nb(fit, y, X)
        except FIT_ERRORS:
            return None
