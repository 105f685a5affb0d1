"""The AI-era lens: shares, declared-AI vs other commits, and before/after an adoption date.

Built on `qroi.read.ai_frames` (what the store holds) and `qroi.analysis.ai_compare` (the statistics):
the monthly shares by author month (UTC), the comparisons on the claim test's decision rules,
and, given an adoption date, the interrupted time series of the monthly shares around it, for
some repositories and a period. `qroi ai` and the dashboard's "AI era" page both call `lens`.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from qroi.analysis.ai_compare import (
    CHURN_CAVEAT,
    DEFAULT_OUTCOMES,
    OBSERVATIONAL,
    CompareSpec,
    ComparisonReport,
    OutcomeSpec,
    compare_declared,
)
from qroi.analysis.ai_event import DEFAULT_EVENT_METRICS, EventReport, event_study, monthly_metrics
from qroi.analysis.results import to_jsonable
from qroi.core.calendar import ALL_TIME, Period
from qroi.read.ai_frames import DECLARED_ONLY, by_author, churn_days, commit_frame, duplication_table, totals
from qroi.store.ai_settings import DEFAULT_CHURN_DAYS
from qroi.store.database import repo_id


def monthly(commits: pd.DataFrame) -> pd.DataFrame:
    """Monthly shares (author month, UTC), every month from the first to the last listed."""
    frame = monthly_metrics(commits, time="authored_ts", lines_added="lines_written")
    return frame.rename(columns={"lines_added": "lines_written"})


@dataclass(frozen=True)
class Lens:
    """The AI-era lens on some repositories and a period: frames, comparisons, event study, caveats."""

    repos: tuple[str, ...]
    churn_days: tuple[float, ...]
    commits: pd.DataFrame
    monthly: pd.DataFrame
    authors: pd.DataFrame
    duplication: pd.DataFrame
    comparisons: ComparisonReport
    event: EventReport | None
    event_metrics: tuple[str, ...]

    @property
    def totals(self) -> dict[str, Any]:
        """Sums and shares over every commit of the lens."""
        return totals(self.commits)

    @property
    def churn_window(self) -> str:
        """The churn window in words ("14 days"; several repositories may differ)."""
        windows = sorted(set(self.churn_days)) or [DEFAULT_CHURN_DAYS]
        return f"{windows[0]:g} days" if len(windows) == 1 else "each repository's churn window"

    @property
    def caveats(self) -> tuple[str, ...]:
        """What every reader must know: declared only, observational, churn needs its window, event caveats."""
        return self.comparisons.caveats + (self.event.caveats if self.event else ())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every table and result, NaN as null."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records")) if len(frame) else []

        return to_jsonable(
            {
                "repos": list(self.repos),
                "churn_window": self.churn_window,
                "totals": self.totals,
                "declared_only": DECLARED_ONLY,
                "monthly": records(self.monthly),
                "authors": records(self.authors),
                "duplication": records(self.duplication.drop(columns=["committed_ts"])),
                "comparisons": self.comparisons.to_dict(),
                "event": self.event.to_dict() if self.event else None,
                "caveats": list(dict.fromkeys(self.caveats)),
            }
        )


def _labels(days: str) -> tuple[tuple[OutcomeSpec, ...], dict[str, str], tuple[str, ...]]:
    """Outcomes, event labels and caveats worded for the churn window."""
    outcomes = tuple(
        dataclasses.replace(o, label=f"lines churned within {days}") if o.column == "churned" else o
        for o in DEFAULT_OUTCOMES
    )
    labels = {"churn_share": f"share of written lines churned within {days}"}
    return outcomes, labels, (DECLARED_ONLY, OBSERVATIONAL, CHURN_CAVEAT.format(window=days))


def lens(
    engine: Engine,
    repos: Sequence[str],
    window: Period = ALL_TIME,
    event: str | None = None,
    sesoi: float = 1.1,
    metrics: Sequence[str] = DEFAULT_EVENT_METRICS,
) -> Lens:
    """The AI-era lens: shares, comparisons of declared-AI with other commits, and (with `event`) an event study.

    Raises ValueError for a bad `event` date or metric (the caller words it for its user).
    """
    commits = _stacked([commit_frame(engine, repo, window) for repo in repos])
    days = tuple(churn_days(engine, repo_id(engine, r)) for r in repos)
    result = Lens(
        tuple(repos),
        days,
        commits,
        monthly(commits),
        by_author(commits),
        _stacked([duplication_table(engine, repo, window) for repo in repos]),
        ComparisonReport((), 0),
        None,
        tuple(metrics),
    )
    outcomes, _, caveats = _labels(result.churn_window)
    compared = compare_declared(_for_comparison(commits), outcomes, CompareSpec(sesoi=sesoi))
    result = dataclasses.replace(result, comparisons=dataclasses.replace(compared, caveats=caveats))
    return at_event(result, event) if event else result


def at_event(lens: Lens, event: str) -> Lens:
    """The lens with the interrupted time series of its monthly shares at `event` (a date).

    Apart from `lens` so that the dashboard can move the date without refitting the comparisons.
    """
    if lens.monthly.empty:
        return lens
    with warnings.catch_warnings():  # statsmodels' notes on flat series; the results say what matters
        warnings.simplefilter("ignore")
        studied = event_study(lens.monthly, event, lens.event_metrics, labels=_labels(lens.churn_window)[1])
    return dataclasses.replace(lens, event=studied)


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-repository frames on top of each other; all empty keeps the columns."""
    full = [f for f in frames if len(f)]
    return pd.concat(full, ignore_index=True) if full else frames[0]


def _for_comparison(commits: pd.DataFrame) -> pd.DataFrame:
    """The columns `compare_declared` reads, as plain floats (missing churn as NaN)."""
    out = commits.copy()
    for col in ("churned", "quality_delta", "author_experience"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["ai"] = out["ai"].astype(bool).astype(int)
    out["automated"] = out["automated"].astype(bool)
    for col in ("files", "operations", "copy_pasted", "moved"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out
