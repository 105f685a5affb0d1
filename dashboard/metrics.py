"""What each quality measure means and how to show it: one place for labels, units and direction.

Every chart axis, card and control reads its wording from here, so "MI" is never "Maintainability"
on one page and "mi" on another, and "is higher better?" is decided once (card colours, chart
hints and the claim test's orientation all follow it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Measure:
    """A repository-level quality measure as the overview and timeline show it."""

    column: str
    label: str
    axis: str
    short: str
    higher_is_better: bool
    percent: bool = False
    digits: int = 1

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
    def delta_color(self) -> str:
        """st.metric colour rule: green when the change is an improvement."""
        return "normal" if self.higher_is_better else "inverse"


MEASURES: dict[str, Measure] = {
    m.column: m
    for m in (
        Measure("py_mi", "Maintainability index", "MI (0–100, higher is better)", "MI (0–100)", True),
        Measure(
            "cc_density", "Complexity density", "Cyclomatic complexity per 100 sloc", "CC per 100 sloc", False
        ),
        Measure(
            "c_share",
            "Functions ranked C or worse",
            "Functions with CC ≥ 11 (%)",
            "CC ≥ 11 (% of functions)",
            False,
            percent=True,
        ),
        Measure(
            "py_cc_total", "Total complexity", "Total cyclomatic complexity (CC)", "Total CC", False, digits=0
        ),
        Measure("py_sloc", "Python size", "Python source lines (sloc)", "sloc", False, digits=0),
    )
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
