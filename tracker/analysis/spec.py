"""What one hypothesis asks of a panel: which columns mean what, and how strict to be.

The engine is generic over column names so that the git panel and any user CSV go through the
same statistics; the spec is the only place that knows what the columns are called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeKind = Literal["count", "time"]


@dataclass(frozen=True)
class HypothesisSpec:
    """One declared hypothesis: "worse `quality` goes with more `outcome`".

    Both outcome kinds are "more is worse" (more defects, longer time in development), so an
    effect ratio above 1 always reads "worse quality, worse outcome".

    - quality: column with the quality metric; `higher_is_better` says which end is good.
    - outcome: count column (negative binomial) or time column (OLS on log time).
    - size, exposure: optional confounder columns, entered as log covariates (must be > 0).
    - unit: optional column identifying the file/repo; when a unit repeats across windows the CI
      comes from a cluster bootstrap over units and p-values from cluster-robust errors. Without
      it, rows are treated as independent (and the verdict says so).
    - period: optional calendar-window column; the adjusted rungs get one fixed effect per window,
      so quality and outcome both drifting with time (growing projects, changing practice) cannot
      pass for a quality effect: the effect is estimated within windows.
    - censored_periods: leave out the last N windows of `period` because the outcome is not yet
      complete there (SZZ finds a bug's origin only once the bug is fixed); `censored_reason` says
      why, in the verdict.
    - bands: ascending cut points on the quality scale; None means tertiles of the analysed rows.
    - sesoi: smallest effect of interest as a ratio; the equivalence region is [1/sesoi, sesoi].
    - n_boot: cluster-bootstrap resamples; 0 uses cluster-robust Wald CIs instead (fast preview).
    - labels: display names for columns in verdict sentences, e.g. {"mi": "maintainability"}.
    - row_noun: what one row is called in sentences, e.g. "file-windows".
    """

    quality: str
    outcome: str
    outcome_kind: OutcomeKind
    higher_is_better: bool
    size: str | None = None
    exposure: str | None = None
    unit: str | None = None
    period: str | None = None
    censored_periods: int = 0
    censored_reason: str | None = None
    bands: tuple[float, ...] | None = None
    sesoi: float = 1.1
    alpha: float = 0.05
    n_boot: int = 999
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    row_noun: str = "rows"

    def __post_init__(self) -> None:
        if self.outcome_kind not in ("count", "time"):
            raise ValueError(f"outcome_kind must be 'count' or 'time', not {self.outcome_kind!r}")
        if not (self.sesoi > 1 and math.isfinite(self.sesoi)):
            raise ValueError(f"sesoi must be a ratio above 1 (e.g. 1.1), not {self.sesoi!r}")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5, not {self.alpha!r}")
        if self.censored_periods < 0 or (self.censored_periods and not self.period):
            raise ValueError(
                f"censored_periods needs a period column and must be >= 0, not {self.censored_periods!r}"
            )
        if self.n_boot < 0:
            raise ValueError(f"n_boot must be >= 0, not {self.n_boot!r}")
        if self.bands is not None:
            cuts = tuple(float(c) for c in self.bands)
            if not cuts or any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
                raise ValueError(f"bands must be strictly ascending cut points, not {self.bands!r}")
            object.__setattr__(self, "bands", cuts)
        object.__setattr__(self, "labels", dict(self.labels))

    @property
    def title(self) -> str:
        """Name used in reports; defaults to "quality -> outcome"."""
        return self.name or f"{self.quality} -> {self.outcome}"

    def label(self, column: str) -> str:
        """Display name of a column (the column name itself unless a label was given)."""
        return self.labels.get(column, column)

    def columns(self) -> list[str]:
        """Every panel column this hypothesis reads."""
        return [
            c for c in (self.quality, self.outcome, self.size, self.exposure, self.unit, self.period) if c
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, stored in each result so a report says what was asked."""
        return {
            "name": self.title,
            "quality": self.quality,
            "outcome": self.outcome,
            "outcome_kind": self.outcome_kind,
            "higher_is_better": self.higher_is_better,
            "size": self.size,
            "exposure": self.exposure,
            "unit": self.unit,
            "period": self.period,
            "censored_periods": self.censored_periods,
            "censored_reason": self.censored_reason,
            "bands": list(self.bands) if self.bands is not None else None,
            "sesoi": self.sesoi,
            "alpha": self.alpha,
            "n_boot": self.n_boot,
            "labels": dict(self.labels),
            "row_noun": self.row_noun,
        }
