"""Result records: plain dataclasses that serialise to JSON and flatten to DataFrames.

The dashboard and the CSV export read these, never the fitted models, so everything a reader
needs (numbers, method, caveats) is carried here.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qroi.analysis.spec import HypothesisSpec


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, numpy scalars and NaN/inf -> plain JSON values (NaN/inf become None)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


@dataclass(frozen=True)
class Effect:
    """Effect of one SD worse quality at one adjustment level, as a ratio (>1: worse goes with more).

    Counts: NB rate ratio. Times: geometric-mean ratio from OLS on log time. `se` is the standard
    error of log(ratio) behind p, TOST, MDE and pooling; `ci_method` says where the CI came from.
    With a cluster bootstrap, `boot_failed` of `boot_resamples` resamples failed to fit and
    `boot_se` is the SD of the others (None when too many failed to trust it).
    """

    level: str
    adjusted_for: tuple[str, ...]
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    log_ratio: float
    se: float
    ci_method: str
    model: str
    note: str | None = None
    boot_resamples: int | None = None
    boot_failed: int | None = None
    boot_se: float | None = None

    @property
    def verdict_se(self) -> float:
        """The SE a verdict rests on: the larger of the model's and the cluster bootstrap's.

        A claimed effect, like a claimed equivalence, must survive the less precise of the two: on
        real histories the model's cluster-robust SE came out 3-7x below the bootstrap's (flask,
        httpx: few lineages, a coefficient per window) and alone called noise "Supported"."""
        return self.se if self.boot_se is None else max(self.se, self.boot_se)

    @property
    def verdict_p(self) -> float:
        """The two-sided p-value at `verdict_se` (the model's own p when its SE is the larger)."""
        if self.verdict_se == self.se:
            return self.p_value
        return float(2 * stats.norm.sf(abs(self.log_ratio) / self.verdict_se))


@dataclass(frozen=True)
class BandSummary:
    """Unadjusted outcome level in one quality band, for a chart.

    Counts: mean count per row; times: geometric mean. `position` is worst/middle/best.
    """

    label: str
    lower: float | None
    upper: float | None
    position: str
    n_rows: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class BandComparison:
    """Ratio of the outcome in the worst vs the best quality band at one adjustment level.

    Counts: rate ratio; times: geometric-mean ratio. A hypothesis carries one per rung
    (`band_ladder`), fitted on the same rows, so a raw "15x" can be watched shrinking.
    """

    worst: str
    best: str
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    adjusted_for: tuple[str, ...]
    ci_method: str
    model: str
    level: str = ""


@dataclass(frozen=True)
class DoseBin:
    """One quality bin of the dose-response curve (worst first): its quality range, rows, level.

    `outcome` is the bin's level at the median size (see `qroi.analysis.dose_response`).
    """

    quality_low: float
    quality_high: float
    n_rows: int
    outcome: float
    ci_low: float
    ci_high: float | None  # None: a count bin without a single event has no upper bound


@dataclass(frozen=True)
class ShapeTest:
    """Does the return per SD of quality bend in the healthier half? (hinge at the median).

    `statistic` is the Wald z of the change in slope; the ratios are the outcome's change per SD
    *healthier* in each half (below 1: the outcome falls as quality improves).
    """

    method: str
    statistic: float | None
    p_value: float | None
    ratio_per_sd_worse_half: float | None
    ratio_per_sd_healthy_half: float | None
    reading: str
    model: str


@dataclass(frozen=True)
class DoseResponse:
    """The outcome by quality decile (or quintile) with CIs, and the shape test at the healthy end."""

    scheme: str
    measure: str
    ci_method: str
    bins: tuple[DoseBin, ...]
    shape: ShapeTest


@dataclass(frozen=True)
class Descriptive:
    """Model-free view; signs oriented so positive means worse quality goes with more outcome."""

    spearman_rho: float
    spearman_p: float
    partial_spearman_rho: float | None
    partial_spearman_p: float | None
    cliffs_delta: float | None
    cliffs_label: str | None
    mann_whitney_u: float | None
    mann_whitney_p: float | None


@dataclass(frozen=True)
class HypothesisResult:
    """Everything known about one hypothesis; `status` is "ok" or why it was refused."""

    name: str
    spec: HypothesisSpec
    status: str
    reason: str | None
    n_rows: int
    n_units: int
    n_dropped: int
    dropped: dict[str, int]
    clustered: bool
    effects: tuple[Effect, ...] = ()
    cut_points: tuple[float, ...] = ()
    bands_source: str | None = None
    bands: tuple[BandSummary, ...] = ()
    band_comparison: BandComparison | None = None  # the most adjusted rung of `band_ladder`
    band_ladder: tuple[BandComparison, ...] = ()
    descriptive: Descriptive | None = None
    dose_response: DoseResponse | None = None
    p_holm: float | None = None
    tost_p: float | None = None
    mde_ratio: float | None = None
    verdict_ci: tuple[float, float] | None = None  # the interval the verdict rests on (Holm / TOST)
    verdict_ci_label: str | None = None
    verdict: str | None = None
    explanation: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the hypothesis was estimated (not refused)."""
        return self.status == "ok"

    @property
    def adjusted(self) -> Effect | None:
        """The most adjusted effect: the one the verdict rests on."""
        return self.effects[-1] if self.effects else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)

    def summary_row(self) -> dict[str, Any]:
        """One flat row for a results table."""
        adj = self.adjusted
        return {
            "hypothesis": self.name,
            "status": self.status,
            "verdict": self.verdict,
            "ratio": adj.ratio if adj else None,
            "ci_low": adj.ci_low if adj else None,
            "ci_high": adj.ci_high if adj else None,
            "p_value": adj.p_value if adj else None,
            "p_holm": self.p_holm,
            "tost_p": self.tost_p,
            "mde_ratio": self.mde_ratio,
            "verdict_ci_low": self.verdict_ci[0] if self.verdict_ci else None,
            "verdict_ci_high": self.verdict_ci[1] if self.verdict_ci else None,
            "verdict_ci_label": self.verdict_ci_label,
            "adjusted_for": ", ".join(adj.adjusted_for) if adj else None,
            "n_rows": self.n_rows,
            "n_units": self.n_units,
            "n_dropped": self.n_dropped,
            "explanation": self.explanation,
        }

    def effects_frame(self) -> pd.DataFrame:
        """One row per adjustment level: watch the raw effect shrink as confounders enter."""
        rows = [{"hypothesis": self.name, **dataclasses.asdict(e)} for e in self.effects]
        for r in rows:
            r["adjusted_for"] = ", ".join(r["adjusted_for"])
        return pd.DataFrame(rows)

    def band_ladder_frame(self) -> pd.DataFrame:
        """One row per adjustment level: the worst-vs-best band ratio as confounders enter."""
        rows = [{"hypothesis": self.name, **dataclasses.asdict(b)} for b in self.band_ladder]
        for r in rows:
            r["adjusted_for"] = ", ".join(r["adjusted_for"])
        return pd.DataFrame(rows)

    def bands_frame(self) -> pd.DataFrame:
        """One row per quality band (worst first), for the band chart."""
        return pd.DataFrame([{"hypothesis": self.name, **dataclasses.asdict(b)} for b in self.bands])


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass(frozen=True)
class Report:
    """Several hypotheses judged together, Holm-corrected as one family."""

    hypotheses: tuple[HypothesisResult, ...]
    holm_family_size: int
    n_dropped_on_load: int = 0

    def __getitem__(self, name: str) -> HypothesisResult:
        for h in self.hypotheses:
            if h.name == name:
                return h
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)

    def to_json(self, **kwargs: Any) -> str:
        """Strict JSON text (no NaN tokens)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def summary_frame(self) -> pd.DataFrame:
        """One row per hypothesis with verdict and adjusted effect."""
        return pd.DataFrame([h.summary_row() for h in self.hypotheses])

    def effects_frame(self) -> pd.DataFrame:
        """All hypotheses x adjustment levels."""
        return _concat([h.effects_frame() for h in self.hypotheses])

    def bands_frame(self) -> pd.DataFrame:
        """All hypotheses x quality bands."""
        return _concat([h.bands_frame() for h in self.hypotheses])
