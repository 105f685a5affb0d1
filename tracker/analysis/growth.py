"""Quality trend -> later speed: does a file's complexity growth predict slower later changes?

The question is the claim test's, with the panel's `cc_growth` as the quality column (the change of
a file's complexity density over the previous window, `qroi.analysis.panel.GROWTH`) and the speed
outcomes of the window after it (`cycle_time`, `max_cycle_time`): the same hypotheses, controls
(log size, log commits, window fixed effects, errors clustered by file), engine and verdicts as
`qroi analyze --quality cc_growth --outcome cycle_time` (`qroi.analysis.claim.hypotheses`); no
second model is fitted here.

The AI-era form (He et al., MSR 2026: complexity accumulated after adopting an AI editor slows later
velocity) asks the same question before and after an adoption date: the hypotheses are estimated
on the windows that end by the date and on those that start at or after it (a window straddling
the date is in neither), and the change is the ratio of the two effects, after / before, with a
z-test on the difference of the log ratios (the two halves share no rows; they share files, so
the interval is optimistic when a file's speed is correlated across the date). Verdicts on the
change use the claim test's rules: Supported means growth slows later changes more after the date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from scipy import stats
from sqlalchemy import Engine

from qroi.analysis.claim import hypotheses
from qroi.analysis.decision import decide, holm
from qroi.analysis.engine import analyze
from qroi.analysis.panel import GROWTH, build_panel
from qroi.analysis.results import HypothesisResult, Report, to_jsonable
from qroi.core import roles
from qroi.core.calendar import window_months
from qroi.core.errors import QroiError

OUTCOMES = ("cycle_time", "max_cycle_time")
WINDOW = "3M"
"""Windows of the event form: two halves of a history need more, shorter windows than 6M."""
Z95 = stats.norm.isf(0.025)


def growth_hypotheses(sesoi: float = 1.1, n_boot: int = 199) -> list:
    """`cc_growth` x each speed outcome, declared exactly as `qroi analyze` declares them."""
    return hypotheses([GROWTH], list(OUTCOMES), sesoi=sesoi, n_boot=n_boot)


@dataclass(frozen=True)
class GrowthChange:
    """One outcome: the growth effect before and after the date, and their ratio (after / before)."""

    outcome: str
    before: HypothesisResult
    after: HypothesisResult
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_holm: float | None = None
    verdict: str = "Too little data"
    reason: str | None = None


@dataclass(frozen=True)
class GrowthEvent:
    """The growth question before and after an adoption date, for one repository."""

    repo: str
    event: str
    window: str
    rows_before: int
    rows_after: int
    changes: tuple[GrowthChange, ...]

    def change(self, outcome: str) -> GrowthChange:
        return next(c for c in self.changes if c.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "question": "Does a file's complexity growth predict slower later changes, before vs after the date?",
                "repo": self.repo,
                "event": self.event,
                "window": self.window,
                "rows_before": self.rows_before,
                "rows_after": self.rows_after,
                "outcomes": [
                    {
                        "outcome": c.outcome,
                        "before": _effect(c.before),
                        "after": _effect(c.after),
                        "ratio": c.ratio,
                        "ci_low": c.ci_low,
                        "ci_high": c.ci_high,
                        "p_value": c.p_value,
                        "p_holm": c.p_holm,
                        "verdict": c.verdict,
                        "reason": c.reason,
                    }
                    for c in self.changes
                ],
            }
        )


def _effect(h: HypothesisResult) -> dict[str, Any]:
    """The adjusted effect of one half, or why there is none."""
    adj = h.adjusted
    if adj is None:
        return {"verdict": h.verdict or h.status, "reason": h.status}
    return {
        "ratio": adj.ratio,
        "ci_low": adj.ci_low,
        "ci_high": adj.ci_high,
        "verdict": h.verdict,
        "model": adj.model,
    }


def split_at(panel: pd.DataFrame, event: str, window: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(windows that end by `event`, windows that start on or after it)."""
    start = pd.to_datetime(panel["window_start"], utc=True)
    end = start + pd.DateOffset(months=window_months(window))
    at = pd.Timestamp(event, tz="UTC")
    return panel[end <= at].reset_index(drop=True), panel[start >= at].reset_index(drop=True)


def _compare(outcome: str, before: HypothesisResult, after: HypothesisResult) -> GrowthChange:
    b, a = before.adjusted, after.adjusted
    if b is None or a is None:
        why = "; ".join(
            f"{name}: {h.status}" for name, h in (("before", before), ("after", after)) if not h.ok
        )
        return GrowthChange(outcome, before, after, reason=why)
    diff, se = a.log_ratio - b.log_ratio, math.hypot(a.se, b.se)
    if not (math.isfinite(diff) and math.isfinite(se) and se > 0):
        return GrowthChange(outcome, before, after, reason="no finite estimate of the change")
    p = float(2 * stats.norm.sf(abs(diff) / se))
    return GrowthChange(
        outcome,
        before,
        after,
        ratio=math.exp(diff),
        ci_low=math.exp(diff - Z95 * se),
        ci_high=math.exp(diff + Z95 * se),
        p_value=p,
    )


def growth_event(
    engine: Engine,
    repo: str,
    event: str,
    *,
    window: str = WINDOW,
    sesoi: float = 1.1,
    n_boot: int = 199,
    seed: int = 0,
    kept: frozenset[str] | None = None,
) -> GrowthEvent:
    """The growth hypotheses on the windows before and after `event` (YYYY-MM-DD), and the change."""
    try:
        date.fromisoformat(event)
    except ValueError as exc:
        raise QroiError(f"the event must be a date such as 2024-03-01, not {event!r}") from exc
    panel = build_panel(engine, repo, window)
    if panel.empty:
        raise QroiError(f"{repo}: history shorter than one complete {window} window")
    panel = panel[panel["role"].isin(kept or {roles.PRODUCT})].reset_index(drop=True)
    before, after = split_at(panel, event, window)
    specs = growth_hypotheses(sesoi, n_boot)
    reports: list[Report] = [analyze(half, specs, seed=seed) for half in (before, after)]
    changes = [_compare(s.outcome, reports[0][s.title], reports[1][s.title]) for s in specs]
    ok = [i for i, c in enumerate(changes) if c.p_value is not None]
    adjusted = holm([changes[i].p_value for i in ok])  # type: ignore[misc]
    for i, p_holm in zip(ok, adjusted, strict=True):
        c = changes[i]
        assert c.ratio is not None and c.p_value is not None
        se = math.log(c.ci_high / c.ci_low) / (2 * Z95)  # type: ignore[operator]
        d = decide(math.log(c.ratio), se, float(p_holm), sesoi=sesoi, alpha=0.05, p_value=c.p_value)
        changes[i] = GrowthChange(
            c.outcome,
            c.before,
            c.after,
            c.ratio,
            c.ci_low,
            c.ci_high,
            c.p_value,
            float(p_holm),
            str(d.verdict),
        )
    return GrowthEvent(repo, event, window, len(before), len(after), tuple(changes))
