"""Turn a panel + spec into model-ready arrays, dropping (and counting) unusable rows.

All adjustment levels of a hypothesis are fitted on the same rows, so the side-by-side
comparison shows the effect of adjustment and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qroi.analysis.spec import HypothesisSpec

MIN_ROWS = 30
"""Fewer usable rows than this and no model is fitted: estimates would be noise."""

MIN_INFORMATIVE_UNITS = 10
"""Counts: units with a non-zero outcome; times: distinct units. Below this, refuse."""


class Refusal(Exception):
    """Raised when the data cannot answer the question; the engine turns it into a result status."""

    def __init__(
        self,
        status: str,
        reason: str,
        n_rows: int = 0,
        n_units: int = 0,
        n_dropped: int = 0,
        dropped: dict[str, int] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.n_rows = n_rows
        self.n_units = n_units
        self.n_dropped = n_dropped
        self.dropped = dropped or {}


TOO_LITTLE_DATA = "Too little data"
NOT_ESTIMABLE = "Not estimable"

VARIATION_TOLERANCE = 1e-9
"""Relative spread below which a column counts as constant (see `varies`)."""


def varies(values: pd.Series | np.ndarray) -> bool:
    """Whether the finite values spread beyond floating-point noise.

    A constant computed along different paths (e.g. repository MI summed file by file at each
    commit) differs in its last bits; `std() == 0` then fails, and standardizing that noise
    manufactures an "effect per SD" with a tiny p-value out of nothing. So the spread must
    exceed a relative tolerance of the values' magnitude.
    """
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return False
    return float(a.max() - a.min()) > VARIATION_TOLERANCE * float(np.abs(a).max())


@dataclass(frozen=True)
class Level:
    """One adjustment level: which log covariates (and whether window effects) enter next to quality."""

    name: str
    covariates: tuple[str, ...]
    period: str | None = None  # the calendar-window column whose fixed effects enter, if any

    @property
    def adjusted_for(self) -> tuple[str, ...]:
        """Every column the level adjusts for, as named in the panel."""
        return (*self.covariates, self.period) if self.period else self.covariates


@dataclass(frozen=True)
class Prepared:
    """The analysed rows as arrays. `y` is the count, or log(time) for time outcomes."""

    spec: HypothesisSpec
    y: np.ndarray
    quality: np.ndarray
    log_covariates: dict[str, np.ndarray]
    units: np.ndarray | None
    clustered: bool
    period_dummies: np.ndarray | None  # one indicator per calendar window but the most populated
    n_rows: int
    n_units: int
    n_dropped: int
    dropped: dict[str, int]

    @property
    def groups(self) -> np.ndarray | None:
        """Cluster ids for robust errors, only when units actually repeat."""
        return self.units if self.clustered else None

    def z_worse(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Quality standardised on the given rows and oriented so +1 means one SD *worse*."""
        q = self.quality if rows is None else self.quality[rows]
        z = (q - q.mean()) / q.std(ddof=1)
        return -z if self.spec.higher_is_better else z

    def design(
        self, level: Level, rows: np.ndarray | None = None, extra: np.ndarray | None = None
    ) -> np.ndarray:
        """Columns: constant, worse-quality z (or `extra` indicator columns), log covariates."""
        n = self.n_rows if rows is None else len(rows)
        first = self.z_worse(rows)[:, None] if extra is None else (extra if rows is None else extra[rows])
        covs = [
            self.log_covariates[c] if rows is None else self.log_covariates[c][rows] for c in level.covariates
        ]
        if level.period and self.period_dummies is not None:
            covs.append(self.period_dummies if rows is None else self.period_dummies[rows])
        return np.column_stack([np.ones(n), first, *covs])


def adjustment_levels(spec: HypothesisSpec) -> list[Level]:
    """Unadjusted, then + log size, then + log exposure: the confounding shown step by step.

    With a period column every adjusted rung also has window fixed effects (and without size or
    exposure a "window" rung is added): calendar time confounds every rung alike.
    """
    levels = [Level("unadjusted", ())]
    if spec.size:
        levels.append(Level("size", (spec.size,), spec.period))
    if spec.exposure:
        covs = tuple(c for c in (spec.size, spec.exposure) if c)
        levels.append(Level("size+exposure" if spec.size else "exposure", covs, spec.period))
    if spec.period and len(levels) == 1:
        levels.append(Level("window", (), spec.period))
    return levels


def non_positive_label(column: str) -> str:
    """The drop reason for rows whose size or exposure has no log (e.g. file-windows with no commit)."""
    return f"non-positive {column} (log undefined)"


def censored_label(spec: HypothesisSpec) -> str:
    """The drop reason for the right-censored last windows, as the verdict quotes it."""
    n = spec.censored_periods
    why = f" ({spec.censored_reason})" if spec.censored_reason else ""
    return f"last {n} {spec.period}{'s' if n > 1 else ''}, outcome not yet complete{why}"


def prepare(panel: pd.DataFrame, spec: HypothesisSpec) -> Prepared:
    """Validate columns, drop unusable rows with a reason each, refuse thin data.

    Raises ValueError for a spec naming a column the panel lacks (a caller error), and
    Refusal when the data are present but too thin to answer.
    """
    panel = panel.reset_index(drop=True)
    missing = [c for c in spec.columns() if c not in panel.columns]
    if missing:
        raise ValueError(
            f"column {missing[0]!r} not found in the panel; available: {', '.join(map(str, panel.columns))}"
        )
    numeric = [c for c in (spec.quality, spec.outcome, spec.size, spec.exposure) if c]
    frame = pd.DataFrame({c: pd.to_numeric(panel[c], errors="coerce") for c in numeric})
    keep = pd.Series(True, index=panel.index)
    dropped: dict[str, int] = {}

    def drop(mask: pd.Series, reason: str) -> None:
        newly = mask & keep
        if newly.any():
            dropped[reason] = dropped.get(reason, 0) + int(newly.sum())
            keep.loc[newly] = False

    for c in numeric:
        drop(~np.isfinite(frame[c]), f"missing or non-numeric {c}")
    if spec.unit:
        drop(panel[spec.unit].isna(), f"missing {spec.unit}")
    y = frame[spec.outcome]
    if spec.outcome_kind == "count":
        drop(y < 0, f"negative {spec.outcome}")
        drop(y != np.round(y), f"non-integer {spec.outcome}")
    else:
        drop(y <= 0, f"non-positive {spec.outcome} (log undefined)")
    for c in (spec.size, spec.exposure):
        if c:
            drop(frame[c] <= 0, non_positive_label(c))
    if spec.period:
        drop(panel[spec.period].isna(), f"missing {spec.period}")
        if spec.outcome_kind == "count":
            # A window no row has any of the outcome in has a window effect of -inf: the fit
            # cannot converge, and its rows say nothing about quality within a window.
            sums = frame[spec.outcome][keep].groupby(panel.loc[keep, spec.period]).sum()
            drop(panel[spec.period].isin(sums.index[sums == 0]), f"{spec.period}s without any {spec.outcome}")
        if spec.censored_periods:
            last = np.sort(panel.loc[keep, spec.period].unique())[-spec.censored_periods :]
            drop(panel[spec.period].isin(last), censored_label(spec))

    rows = frame[keep]
    n_rows = len(rows)
    n_dropped = int((~keep).sum())
    units = None
    n_units = n_rows
    clustered = False
    if spec.unit:
        units = pd.factorize(panel.loc[keep, spec.unit])[0]
        n_units = int(units.max()) + 1 if n_rows else 0
        clustered = n_units < n_rows

    def refuse(reason: str, status: str = TOO_LITTLE_DATA) -> Refusal:
        return Refusal(status, reason, n_rows, n_units, n_dropped, dropped)

    if n_rows < MIN_ROWS:
        raise refuse(f"only {n_rows} usable rows (need at least {MIN_ROWS})")
    outcome = rows[spec.outcome].to_numpy(float)
    if spec.outcome_kind == "count":
        ids = units if units is not None else np.arange(n_rows)
        informative = len(np.unique(ids[outcome > 0]))
        if informative < MIN_INFORMATIVE_UNITS:
            raise refuse(
                f"only {informative} units have a non-zero {spec.outcome} "
                f"(need at least {MIN_INFORMATIVE_UNITS})"
            )
    elif n_units < MIN_INFORMATIVE_UNITS:
        raise refuse(f"only {n_units} units (need at least {MIN_INFORMATIVE_UNITS})")
    for c, role in ((spec.quality, "quality"), (spec.size, "size"), (spec.exposure, "exposure")):
        if c and not varies(rows[c]):
            raise refuse(f"{role} column {c!r} has no variation")

    log_covs = {c: np.log(rows[c].to_numpy(float)) for c in (spec.size, spec.exposure) if c}
    period_dummies = None
    if spec.period:
        # The reference window is the most populated one, so a bootstrap resample almost always
        # has rows in it (an absent other window only leaves an all-zero column, see refit_params).
        dummies = pd.get_dummies(panel.loc[keep, spec.period], dtype=float)
        dummies = dummies.drop(columns=dummies.sum().idxmax()).to_numpy()
        period_dummies = dummies if dummies.shape[1] else None
    return Prepared(
        spec=spec,
        y=outcome if spec.outcome_kind == "count" else np.log(outcome),
        quality=rows[spec.quality].to_numpy(float),
        log_covariates=log_covs,
        units=units,
        clustered=clustered,
        period_dummies=period_dummies,
        n_rows=n_rows,
        n_units=n_units,
        n_dropped=n_dropped,
        dropped=dropped,
    )
