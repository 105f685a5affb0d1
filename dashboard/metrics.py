"""How each repository-level quality measure is shown: cards, deltas and chart axes.

Every chart axis, card and control reads its wording through here from the metric registry
(`qroi.core.metrics`), so "MI" is never "Maintainability" on one page and "mi" on another, and
"is higher better?" is decided once for cards, charts and the claim test alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from qroi.core.metrics import Metric, metric


@dataclass(frozen=True)
class Measure:
    """A repository-level quality measure as the overview and timeline show it.

    Its meaning (title, axis wording, unit, good direction) is the metric registry's
    (`qroi.core.metrics`); this adds only how a card and a chart format it.
    """

    column: str

    @property
    def metric(self) -> Metric:
        return metric(self.column)

    @property
    def label(self) -> str:
        return self.metric.title

    @property
    def axis(self) -> str:
        return self.metric.axis

    @property
    def short(self) -> str:
        return self.metric.short

    @property
    def higher_is_better(self) -> bool | None:
        return self.metric.higher_is_better

    @property
    def percent(self) -> bool:
        return self.metric.percent

    @property
    def digits(self) -> int:
        return self.metric.digits

    def fmt(self, value: float | None) -> str:
        """The value as a card shows it ("—" when unknown)."""
        if value is None or pd.isna(value):
            return "—"
        if self.percent:
            return f"{value * 100:.{self.digits}f}%"
        return f"{value:,.{self.digits}f}" if self.digits else f"{value:,.0f}"

    def fmt_delta(self, delta: float | None) -> str | None:
        """A signed change for st.metric (None hides the delta)."""
        if delta is None or pd.isna(delta):
            return None
        if self.percent:
            return f"{delta * 100:+.{self.digits}f} pp"
        return f"{delta:+,.{self.digits}f}" if self.digits else f"{delta:+,.0f}"

    @property
    def delta_color(self) -> Literal["normal", "inverse", "off"]:
        """st.metric colour rule: green when the change is an improvement, grey when neither end is good."""
        if self.higher_is_better is None:
            return "off"
        return "normal" if self.higher_is_better else "inverse"


MEASURES: dict[str, Measure] = {
    c: Measure(c) for c in ("py_mi", "cc_density", "c_share", "py_cc_total", "py_sloc")
}
"""Repository-level measures (columns of `qroi.read.overview.monthly_timeline`)."""

DEFAULT_MEASURE = "py_mi"

RANK_COLOURS = {
    "A": "#16a34a",
    "B": "#65a30d",
    "C": "#ca8a04",
    "D": "#ea580c",
    "E": "#dc2626",
    "F": "#991b1b",
}
"""Radon's CC ranks A (1–5) to F (41+), from calm green to alarm red."""
