"""Ground-truth panels with a planted effect, to check the engine recovers what was put in.

The analysis guide asks for validation on ground truth: these generators plant a known ratio per
SD of worse quality (or none), optionally confounded by size and clustered by unit, so tests,
simulations and demos can compare the engine's answer with the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _quality(
    rng: np.random.Generator, unit: np.ndarray, log_size: np.ndarray, size_corr: float, n_units: int
) -> np.ndarray:
    """Worse-quality z per row: persistent per unit, correlated with log size, sample-standardised."""
    log_size_u = np.bincount(unit, weights=log_size, minlength=n_units) / np.bincount(unit, minlength=n_units)
    s = (log_size_u - log_size_u.mean()) / log_size_u.std()
    z_u = size_corr * s + np.sqrt(1 - size_corr**2) * rng.normal(size=n_units)
    z = z_u[unit] + (0.3 * rng.normal(size=len(unit)) if len(unit) > n_units else 0)
    return (z - z.mean()) / z.std(ddof=1)


def _layout(
    rng: np.random.Generator, n_units: int, n_windows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    unit = np.repeat(np.arange(n_units), n_windows)
    window = np.tile(np.arange(n_windows), n_units)
    log_size = rng.normal(5.0, 1.0, n_units)[unit] + 0.05 * rng.normal(size=len(unit))
    return unit, window, log_size


def _frame(
    unit: np.ndarray,
    window: np.ndarray,
    z_worse: np.ndarray,
    outcome: np.ndarray,
    log_size: np.ndarray,
    exposure: np.ndarray,
    higher_is_better: bool,
) -> pd.DataFrame:
    quality = 70 - 10 * z_worse if higher_is_better else 10 + 3 * z_worse
    return pd.DataFrame(
        {
            "unit": [f"src/file_{u:04d}.py" for u in unit],
            "window": window,
            "quality": quality,
            "outcome": outcome,
            "size": np.exp(log_size),
            "exposure": exposure,
        }
    )


def simulate_count_panel(
    n_units: int,
    n_windows: int = 1,
    *,
    rate_ratio: float = 1.0,
    size_corr: float = 0.0,
    nb_alpha: float = 0.7,
    unit_sd: float = 0.0,
    mean_count: float = 1.5,
    window_trend: float = 0.0,
    higher_is_better: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Counts with log rate = a + log(rate_ratio) z_worse + log(size) + log(exposure) (+ unit effect).

    Columns: unit, window, quality, outcome, size, exposure. `rate_ratio` is the true ratio per
    SD of worse quality given size and exposure; `size_corr` confounds quality with size;
    `unit_sd` adds a persistent per-unit effect, so windows of a unit are not independent.
    `window_trend` confounds by calendar time: the recorded quality gets worse by that many SD
    per window and the log rate rises as much, with nothing between them within a window.
    """
    rng = np.random.default_rng(seed)
    unit, window, log_size = _layout(rng, n_units, n_windows)
    z = _quality(rng, unit, log_size, size_corr, n_units)
    exposure = 1 + rng.poisson(3, len(unit))
    drift = window_trend * (window - window.mean())
    eta = (
        np.log(rate_ratio) * z
        + drift
        + log_size
        + np.log(exposure)
        + unit_sd * rng.normal(size=n_units)[unit]
    )
    mu = mean_count * np.exp(eta - np.log(np.mean(np.exp(eta))))
    y = rng.negative_binomial(1 / nb_alpha, 1 / (1 + nb_alpha * mu))
    return _frame(unit, window, z + drift, y, log_size, exposure, higher_is_better)


def simulate_time_panel(
    n_units: int,
    n_windows: int = 1,
    *,
    time_ratio: float = 1.0,
    size_corr: float = 0.0,
    sigma: float = 0.8,
    higher_is_better: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Times with log time = log(24) + log(time_ratio) z_worse + 0.3 (log size - 5) + N(0, sigma).

    `time_ratio` is the true geometric-mean ratio per SD of worse quality, given size.
    """
    rng = np.random.default_rng(seed)
    unit, window, log_size = _layout(rng, n_units, n_windows)
    z = _quality(rng, unit, log_size, size_corr, n_units)
    exposure = 1 + rng.poisson(2, len(unit))
    log_t = np.log(24) + np.log(time_ratio) * z + 0.3 * (log_size - 5) + sigma * rng.normal(size=len(unit))
    return _frame(unit, window, z, np.exp(log_t), log_size, exposure, higher_is_better)
