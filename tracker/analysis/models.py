"""Regression models: negative binomial for counts, OLS on log(time) for times.

Counts are overdispersed (a few files attract most bug fixes), so the main count model is NB2
with its dispersion alpha estimated. When NB fails (no convergence, alpha at its zero boundary,
singular Hessian) we fall back to Poisson with robust errors: its coefficients stay consistent
under any dispersion and the sandwich fixes the errors, so the answer is still honest.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import HessianInversionWarning

from qroi.analysis.spec import OutcomeKind

NB_ALPHA_BOUNDARY = 1e-4
"""An NB dispersion below this means no overdispersion: the NB likelihood is at its boundary."""


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


def _cov(groups: np.ndarray | None, default: str) -> dict:
    if groups is None:
        return {"cov_type": default} if default != "nonrobust" else {}
    return {"cov_type": "cluster", "cov_kwds": {"groups": groups}}


def _check_rank(X: np.ndarray) -> None:
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise NotEstimable(
            "quality is collinear with the adjustment covariates; their effects cannot be separated"
        )


def _fit_nb(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float) -> ModelFit | str:
    """NB2 fit, or a short reason why it is not trustworthy.

    BFGS first (fast); Nelder-Mead as a retry, since BFGS occasionally diverges on the
    dispersion parameter where the likelihood is flat.
    """
    k = X.shape[1]
    reason = "negative binomial did not converge"
    for options in ({"method": "bfgs", "maxiter": 200}, {"method": "nm", "maxiter": 5000}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = sm.NegativeBinomial(y, X, loglike_method="nb2").fit(
                    disp=0, **options, **_cov(groups, "nonrobust")
                )
            except (np.linalg.LinAlgError, ValueError, OverflowError) as exc:
                reason = f"negative binomial failed ({exc})"
                continue
        params, bse = np.asarray(res.params), np.asarray(res.bse)
        if not res.mle_retvals.get("converged", False):
            continue
        if any(issubclass(w.category, HessianInversionWarning) for w in caught):
            reason = "negative binomial Hessian was not invertible"
            continue
        if not (np.all(np.isfinite(params)) and np.all(np.isfinite(bse[:k])) and np.all(bse[:k] > 0)):
            reason = "negative binomial gave non-finite estimates"
            continue
        nb_alpha = float(params[-1])
        if nb_alpha < NB_ALPHA_BOUNDARY:
            return "no overdispersion (negative binomial alpha at its zero boundary)"
        robust = ", cluster-robust SE" if groups is not None else ""
        return ModelFit(
            params=params[:k],
            bse=bse[:k],
            pvalues=np.asarray(res.pvalues)[:k],
            conf_int=np.asarray(res.conf_int(alpha))[:k],
            family="nb",
            description=f"negative binomial (NB2, alpha={nb_alpha:.3g}){robust}",
            nb_alpha=nb_alpha,
        )
    return reason


def _fit_poisson(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float, why: str) -> ModelFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit(**_cov(groups, "HC0"))
    if not (np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse))):
        raise NotEstimable(f"{why}, and the Poisson fallback failed too")
    kind = "cluster-robust" if groups is not None else "robust (HC0)"
    return ModelFit(
        params=np.asarray(res.params),
        bse=np.asarray(res.bse),
        pvalues=np.asarray(res.pvalues),
        conf_int=np.asarray(res.conf_int(alpha)),
        family="poisson",
        description=f"Poisson with {kind} SE (fallback: {why})",
        fallback=why,
    )


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
    return ModelFit(
        params=np.asarray(res.params),
        bse=np.asarray(res.bse),
        pvalues=np.asarray(res.pvalues),
        conf_int=np.asarray(res.conf_int(alpha)),
        family="ols",
        description=f"OLS on log time, {errors} SE",
    )


def fit_outcome(
    kind: OutcomeKind, y: np.ndarray, X: np.ndarray, groups: np.ndarray | None = None, alpha: float = 0.05
) -> ModelFit:
    """Dispatch on the outcome kind; `y` is the count or log(time)."""
    return fit_count(y, X, groups, alpha) if kind == "count" else fit_time(y, X, groups, alpha)


def refit_params(fit: ModelFit, y: np.ndarray, X: np.ndarray) -> np.ndarray | None:
    """Point estimates only, warm-started from `fit`, for bootstrap resamples; None on failure.

    Uses the same family as the full-sample fit so the bootstrap describes that estimator.
    """
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None
    k = X.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if fit.family == "ols":
                return np.asarray(sm.OLS(y, X).fit().params)
            if fit.family == "poisson":
                res = sm.GLM(y, X, family=sm.families.Poisson()).fit(start_params=fit.params)
                return np.asarray(res.params) if res.converged else None
            model = sm.NegativeBinomial(y, X, loglike_method="nb2")
            for kwargs in (
                {"method": "newton", "maxiter": 50, "start_params": np.append(fit.params, fit.nb_alpha)},
                {"maxiter": 200},
            ):
                res = model.fit(disp=0, **kwargs)
                if res.mle_retvals.get("converged") and np.all(np.isfinite(res.params)):
                    return np.asarray(res.params)[:k]
        except (np.linalg.LinAlgError, ValueError, OverflowError):
            return None
    return None
