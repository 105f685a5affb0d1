"""The monthly AI-era metrics before and after an adoption date: an interrupted time series each.

`monthly_metrics` turns per-commit counts into monthly shares (ratios of sums, so a big month
weighs what it wrote), and `event_study` runs the engine's interrupted time series (AR(1) errors)
on each, with Holm across the level and slope changes and the caveats printed with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qroi.analysis.decision import fmt_p, holm
from qroi.analysis.prepare import NOT_ESTIMABLE
from qroi.analysis.results import to_jsonable
from qroi.analysis.timeseries import ErrorModel, ITSResult, interrupted_time_series
from qroi.core.calendar import months
from qroi.core.metrics import METRICS
from qroi.read.ai_frames import DECLARED_ONLY

EVENT_CAVEATS = (
    "A change at the event date is not proof that the event caused it: anything else that changed then "
    "(team, project phase, release cycle, tooling) looks the same.",
    "Months without commits are left out; months with few commits give noisy shares.",
    "Monthly values are autocorrelated; AR(1) errors account for it, but with fewer than about 24 months "
    "or a trend that is not linear the intervals are fragile.",
)


EVENT_METRICS = ("copy_paste_share", "moved_share", "churn_share", "duplicated_block_share", "ai_share")
"""The monthly shares an event study can look at (their meaning: `qroi.core.metrics`)."""

DEFAULT_EVENT_METRICS = ("copy_paste_share", "moved_share", "churn_share")
_OPS = ("added", "deleted", "updated", "moved", "copy_pasted")


def monthly_metrics(
    commits: pd.DataFrame,
    *,
    time: str = "authored_at",
    flag: str = "ai",
    churned: str = "churned",
    lines_added: str = "lines_added",
    duplicated_block: str = "duplicated_block",
) -> pd.DataFrame:
    """Per calendar month (UTC): commits, operation counts and the shares `event_study` reads.

    Input: one row per non-merge commit with its time and line-operation counts (`added`,
    `deleted`, `updated`, `moved`, `copy_pasted`). Optional columns: `flag` (declared AI),
    `duplicated_block`, `churned` with `lines_added` (churned lines of the commit's own
    additions; NaN where the 14-day window has not elapsed, which leaves that month's churn
    share NaN rather than biased low). Shares are ratios of sums. Every month from the first to
    the last is listed; a month without commits has NaN shares.
    """
    missing = [c for c in (time, *_OPS) if c not in commits.columns]
    if missing:
        raise ValueError(
            f"column {missing[0]!r} not found; available: {', '.join(map(str, commits.columns))}"
        )
    data = commits.assign(month=months(commits[time]).astype(str))
    grouped = data.groupby("month")
    out = grouped[list(_OPS)].sum()
    out.insert(0, "commits", grouped.size())
    out["operations"] = out[list(_OPS)].sum(axis=1)
    ops = out["operations"].where(out["operations"] > 0)
    out["copy_paste_share"] = out["copy_pasted"] / ops
    out["moved_share"] = out["moved"] / ops
    if flag in data.columns:
        out["ai_commits"] = grouped[flag].sum().astype(int)
        out["ai_share"] = out["ai_commits"] / out["commits"]
    if duplicated_block in data.columns:
        out["duplicated_block_share"] = grouped[duplicated_block].mean()
    if churned in data.columns and lines_added in data.columns:
        out["churned"] = (
            grouped[churned].sum(min_count=1).where(~grouped[churned].apply(lambda s: s.isna().any()))
        )
        out["lines_added"] = grouped[lines_added].sum()
        out["churn_share"] = out["churned"] / out["lines_added"].where(out["lines_added"] > 0)
    if out.empty:
        return out.reset_index()
    full = pd.period_range(min(out.index), max(out.index), freq="M").astype(str)
    out = out.reindex(full)
    counts = ["commits", *_OPS, "operations", *(c for c in ("ai_commits",) if c in out.columns)]
    out[counts] = out[counts].fillna(0).astype(int)
    return out.rename_axis("month").reset_index()


@dataclass(frozen=True)
class EventChange:
    """One monthly metric before and after the event: the ITS result, Holm p-values, verdict."""

    metric: str
    label: str
    percent: bool
    its: ITSResult
    level_p_holm: float | None
    slope_p_holm: float | None
    verdict: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)


@dataclass(frozen=True)
class EventReport:
    """Every metric's change at the event, and the caveats that go with any such chart."""

    event: str
    changes: tuple[EventChange, ...]
    caveats: tuple[str, ...] = field(default=EVENT_CAVEATS)

    def __getitem__(self, metric: str) -> EventChange:
        for c in self.changes:
            if c.metric == metric:
                return c
        raise KeyError(metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)

    def summary_frame(self) -> pd.DataFrame:
        """One row per metric: level and slope change with CIs, Holm p-values, verdict."""
        return pd.DataFrame(
            [
                {
                    "metric": c.metric,
                    "label": c.label,
                    "verdict": c.verdict,
                    "status": c.its.status,
                    "level_change": c.its.level_change,
                    "level_ci_low": c.its.level_ci_low,
                    "level_ci_high": c.its.level_ci_high,
                    "level_p_holm": c.level_p_holm,
                    "slope_change": c.its.slope_change,
                    "slope_ci_low": c.its.slope_ci_low,
                    "slope_ci_high": c.its.slope_ci_high,
                    "slope_p_holm": c.slope_p_holm,
                    "n_pre": c.its.n_pre,
                    "n_post": c.its.n_post,
                    "errors": c.its.errors,
                    "explanation": c.explanation,
                }
                for c in self.changes
            ]
        )


def _event_sentence(
    label: str, percent: bool, its: ITSResult, level_p: float, slope_p: float, verdict: str, month: str
) -> str:
    """ "Level shift: copy/paste share, level +13.3 points [+5.0 to +21.6] at 2022-09 (Holm p=0.006), ..."."""
    scale, unit = (100.0, " points") if percent else (1.0, "")

    def num(x: float | None) -> str:
        return f"{(x or 0.0) * scale:+.3g}"

    level = (
        f"level {num(its.level_change)}{unit} [{num(its.level_ci_low)} to {num(its.level_ci_high)}] at {month} "
        f"({fmt_p(level_p, 'Holm p')})"
    )
    slope = (
        f"slope {num(its.slope_change)}{unit}/month [{num(its.slope_ci_low)} to {num(its.slope_ci_high)}] "
        f"({fmt_p(slope_p, 'Holm p')})"
    )
    return (
        f"{verdict}: {label}, {level}, {slope}; {its.n_pre} months before, {its.n_post} after; {its.errors}."
    )


def _flat_refused(its: ITSResult) -> ITSResult:
    """A series that never varies (no moved line in any month) has nothing to test: refuse it plainly."""
    if its.status != "ok" or (
        math.isfinite(its.level_p or math.nan) and math.isfinite(its.slope_p or math.nan)
    ):
        return its
    return ITSResult(
        NOT_ESTIMABLE, "the monthly values do not vary", *([None] * 9), its.n_pre, its.n_post, its.errors
    )


def event_study(
    monthly: pd.DataFrame,
    event: str,
    metrics: Sequence[str] = DEFAULT_EVENT_METRICS,
    *,
    time: str = "month",
    errors: ErrorModel = "ar1",
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
) -> EventReport:
    """Interrupted time series of each monthly metric at `event` (a date), Holm across all changes.

    `labels` overrides the wording of the registry's labels (e.g. a churn window other than 14 days).

    Verdicts: "Level shift", "Slope change", "Level and slope change" (Holm p < alpha), "No
    clear change", or the ITS refusal ("Too little data") with its reason.
    """
    unknown = [m for m in metrics if m not in monthly.columns]
    if unknown:
        raise ValueError(
            f"metric {unknown[0]!r} not found; available: {', '.join(map(str, monthly.columns))}"
        )
    try:
        month = str(pd.Timestamp(event).to_period("M"))
    except ValueError as exc:
        raise ValueError(f"event must be a date such as 2024-03-01, not {event!r}") from exc
    results = {
        m: _flat_refused(interrupted_time_series(monthly, m, time, event, errors=errors, alpha=alpha))
        for m in metrics
    }
    ok = [m for m in metrics if results[m].status == "ok"]
    adjusted = holm([p for m in ok for p in (results[m].level_p, results[m].slope_p)])
    p_holm = {m: (float(adjusted[2 * i]), float(adjusted[2 * i + 1])) for i, m in enumerate(ok)}
    changes = []
    for m in metrics:
        known = METRICS.get(m)
        label, percent = (known.label, known.percent) if known else (m, False)
        label = (labels or {}).get(m, label)
        its = results[m]
        if its.status != "ok":
            changes.append(
                EventChange(
                    m, label, percent, its, None, None, its.status, f"{its.status}: {label}, {its.reason}."
                )
            )
            continue
        level_p, slope_p = p_holm[m]
        level, slope = level_p < alpha, slope_p < alpha
        verdict = (
            "Level and slope change"
            if level and slope
            else "Level shift"
            if level
            else "Slope change"
            if slope
            else "No clear change"
        )
        changes.append(
            EventChange(
                m,
                label,
                percent,
                its,
                level_p,
                slope_p,
                verdict,
                _event_sentence(label, percent, its, level_p, slope_p, verdict, month),
            )
        )
    caveats = EVENT_CAVEATS + ((DECLARED_ONLY,) if "ai_share" in metrics else ())
    return EventReport(month, tuple(changes), caveats)
