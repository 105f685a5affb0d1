"""Repo x month regressions and interrupted time series on generated autocorrelated series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from qroi.analysis import interrupted_time_series, value_trend_regression


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) noise with unit innovations."""
    e = np.empty(n)
    e[0] = rng.normal() / np.sqrt(1 - phi**2)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal()
    return e


def series(
    seed: int,
    *,
    level_shift: float = 0.0,
    slope_change: float = 0.0,
    months: int = 72,
    event_at: int = 36,
    phi: float = 0.5,
) -> pd.DataFrame:
    """Monthly value with a pre-trend, AR(1) noise and an optional change at month `event_at`."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    post = t >= event_at
    value = 20 + 0.05 * t + level_shift * post + slope_change * post * (t - event_at) + ar1(rng, months, phi)
    return pd.DataFrame(
        {"month": pd.period_range("2020-01", periods=months, freq="M").astype(str), "prs": value}
    )


EVENT = "2023-01-15"  # month 36 of a series starting 2020-01


def test_its_recovers_a_planted_level_shift():
    r = interrupted_time_series(series(1, level_shift=4.0), "prs", "month", EVENT)
    assert r.status == "ok" and (r.n_pre, r.n_post) == (36, 36)
    assert r.level_ci_low < 4.0 < r.level_ci_high and r.level_p < 0.001
    assert r.slope_ci_low < 0 < r.slope_ci_high
    assert r.errors.startswith("AR(1) errors, feasible GLS (rho=") and 0.2 < r.ar1_rho < 0.8


def test_its_reports_no_change_on_a_null_series():
    r = interrupted_time_series(series(2), "prs", "month", EVENT)
    assert r.level_ci_low < 0 < r.level_ci_high and r.level_p > 0.05
    assert r.slope_ci_low < 0 < r.slope_ci_high


def test_its_with_newey_west_errors_keeps_ols_estimates_and_widens_their_ci():
    data = series(3, level_shift=4.0, slope_change=0.3)
    r = interrupted_time_series(data, "prs", "month", EVENT, errors="hac")
    assert r.errors == "Newey-West HAC (maxlags=3)" and r.ar1_rho is None
    t = np.arange(72.0) - 36
    post = (t >= 0).astype(float)
    naive = sm.OLS(data["prs"].to_numpy(), np.column_stack([np.ones(72), t, post, post * t])).fit()
    assert (r.level_change, r.slope_change) == pytest.approx((naive.params[2], naive.params[3]))
    # Positively autocorrelated noise: HAC must widen the naive interval.
    assert r.level_ci_high - r.level_ci_low > np.diff(naive.conf_int()[2])[0]
    assert r.slope_p < 0.05 and r.slope_ci_low < 0.3 < r.slope_ci_high


def test_its_false_positive_rate_with_ar1_errors():
    n = 200
    rates = {}
    for errors in ("ar1", "hac"):
        hits = [
            interrupted_time_series(
                series(100 + s, months=120, event_at=60), "prs", "month", "2025-01", errors=errors
            ).level_p
            < 0.05
            for s in range(n)
        ]
        rates[errors] = float(np.mean(hits))
    lo, hi = (x / n for x in stats.binom.interval(0.999, n, 0.05))
    print(
        f"\nITS level-change false-positive rate, AR(1) noise phi=0.5, 120 months: "
        f"ar1 errors {rates['ar1']:.3f}, Newey-West {rates['hac']:.3f} (99.9% tolerance {lo:.3f}-{hi:.3f})"
    )
    assert lo <= rates["ar1"] <= hi
    assert rates["ar1"] < rates["hac"]


def test_its_refuses_short_or_one_sided_series():
    short = interrupted_time_series(series(4).head(10), "prs", "month", "2020-06")
    assert short.status == "Too little data" and short.reason == "only 10 periods (need at least 12)"
    late = interrupted_time_series(series(4), "prs", "month", "2025-11")
    assert late.status == "Too little data" and late.reason.endswith(
        "2 after the event (need 3 on each side)"
    )
    with pytest.raises(ValueError, match="errors must be"):
        interrupted_time_series(series(4), "prs", "month", EVENT, errors="ols")


def test_its_accepts_numeric_time():
    data = series(5, level_shift=3.0).assign(t=np.arange(72))
    r = interrupted_time_series(data, "prs", "t", 36)
    assert r.level_ci_low < 3.0 < r.level_ci_high


def repo_months(seed: int, effect: float, repos: int = 6, months: int = 36) -> pd.DataFrame:
    """Repo x month panel: value = repo level + trend + effect * z_worse at the month's start + AR(1) noise.

    `mi` is the month-end value, so the month's start is the previous row's (the first month's
    start is the month-end value itself, and that row is not analysed).
    """
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(repos):
        mi = 65 + 5 * ar1(rng, months, 0.7)  # maintainability drifts persistently
        z_worse = -(np.concatenate([mi[:1], mi[:-1]]) - 65) / 5
        value = 10 * r + 0.2 * np.arange(months) + effect * z_worse + ar1(rng, months, 0.4)
        frames.append(
            pd.DataFrame(
                {
                    "repo": f"repo{r}",
                    "month": pd.period_range("2022-01", periods=months, freq="M").astype(str),
                    "mi": mi,
                    "throughput": value,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_value_regression_recovers_a_planted_quality_effect():
    data = repo_months(7, effect=-1.5)
    r = value_trend_regression(data, "throughput", "mi", "month", repo="repo")
    sd = data["mi"].std() / 5  # true effect is per 5 points of mi; the result is per sample SD
    assert r.status == "ok" and r.n_repos == 6 and r.repo_effects
    assert r.ci_low < -1.5 * sd < r.ci_high and r.p_value < 0.001
    assert r.trend_per_period == pytest.approx(0.2, abs=0.05)
    hac = value_trend_regression(data, "throughput", "mi", "month", repo="repo", errors="hac")
    assert hac.errors == "Newey-West HAC within repos (maxlags=3)"
    assert hac.ci_low < -1.5 * sd < hac.ci_high


def test_value_regression_null_and_single_repo():
    # Seed 8's null draw is among the ~7% (200 seeds, with or without the quality lag) rejected at 5%.
    null = value_trend_regression(repo_months(12, effect=0.0), "throughput", "mi", "month", repo="repo")
    assert null.ci_low < 0 < null.ci_high
    one = repo_months(9, effect=-1.5, repos=1, months=60)
    r = value_trend_regression(one, "throughput", "mi", "month", errors="hac")
    assert r.errors == "Newey-West HAC (maxlags=3)" and not r.repo_effects and r.effect < 0
    thin = value_trend_regression(one.head(8), "throughput", "mi", "month")
    assert thin.status == "Too little data"


def test_value_regression_compares_a_months_value_with_quality_at_its_start_not_its_end():
    """The month's own work moves its month-end quality: here bug-fix work of the month lowers MI at
    its end, while quality at the month's start has nothing to do with the month's value. Set
    against month-end MI (the old ordering) the bug-fix share looked driven by bad quality."""
    rng = np.random.default_rng(21)
    months = 60
    unplanned = 0.3 + 0.1 * rng.normal(size=months)  # the month's share of bug-fix work, no memory
    # Fixes this month reshape this month's code, so its month-end MI follows its own bug-fix share.
    mi_end = 65 - 40 * (unplanned - 0.3) + rng.normal(size=months)
    data = pd.DataFrame(
        {
            "month": pd.period_range("2021-01", periods=months, freq="M").astype(str),
            "mi": mi_end,
            "unplanned": unplanned,
        }
    )
    same_month = value_trend_regression(data, "unplanned", "mi", "month", quality_lag=0)
    assert same_month.p_value < 0.001, "precondition: the look-ahead ordering finds an 'effect'"
    r = value_trend_regression(data, "unplanned", "mi", "month")
    assert r.quality_lag == 1 and r.n_obs == months - 1  # the first month has no start-of-month quality
    assert r.ci_low < 0 < r.ci_high
    # A gap in the months pairs nothing with the wrong month: months after the gap lose their start.
    gappy = value_trend_regression(data.drop(index=[30]), "unplanned", "mi", "month")
    assert gappy.n_obs == months - 3


def last_bits_noise(value: float, n: int) -> np.ndarray:
    """One constant as a store holds it when computed along different paths: equal but for the last bits."""
    return value + np.resize([0.0, np.spacing(value), -np.spacing(value)], n)


def test_a_quality_constant_but_for_float_noise_is_refused_not_turned_into_an_effect():
    # Repository MI summed file by file is the same number at every commit when no file changes
    # its score; standardizing its last-bit noise used to give "-0.06 per SD, p<0.001".
    data = repo_months(10, effect=0.0, repos=1, months=40)
    data["mi"] = last_bits_noise(16.45756040231214, len(data))
    assert data["mi"].std() > 0
    r = value_trend_regression(data, "throughput", "mi", "month")
    assert (r.status, r.reason, r.effect) == ("Too little data", "quality column 'mi' has no variation", None)
    varied = value_trend_regression(
        data.assign(mi=data["mi"] + np.arange(len(data)) * 1e-3), "throughput", "mi", "month"
    )
    assert varied.status == "ok"


def test_its_of_a_series_constant_but_for_float_noise_is_not_estimable():
    frame = series(3)
    frame["prs"] = last_bits_noise(0.1 + 0.2, len(frame))
    r = interrupted_time_series(frame, "prs", "month", EVENT)
    assert (r.status, r.reason, r.level_change, r.level_p) == (
        "Not estimable",
        "the values do not vary",
        None,
        None,
    )
