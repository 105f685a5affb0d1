"""The claim test on stored repositories: "does higher quality deliver more value here?"

This module names the declared hypotheses (quality metric x outcome), builds the file x window
panel for each repository, runs the statistics engine (`qroi.analysis`) per repository, pools
several repositories with a random-effects meta-analysis, and adds the weaker, repo x month view
of value against repository-level quality. The CLI and the dashboard both call `claim_test`.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from qroi.analysis import (
    HypothesisSpec,
    PooledResult,
    Report,
    ValueTrendResult,
    analyze,
    pool_hypotheses,
    value_trend_regression,
)
from qroi.analysis.panel import build_panel
from qroi.analysis.results import to_jsonable
from qroi.core import roles
from qroi.core.calendar import months, window_months
from qroi.core.errors import QroiError
from qroi.core.metrics import METRICS, Metric
from qroi.labels import kind_names
from qroi.read import queries


@dataclass(frozen=True)
class Outcome:
    """A delivery outcome of the panel: its column, how to say it, its kind (count or time)."""

    column: str
    label: str
    kind: str


QUALITY: dict[str, Metric] = {
    name: METRICS[name]
    for name in (
        "mi",
        "cc_density",
        "cc_max",
        "cc_mean",
        "cc_total",
        "c_share",
        "h_volume",
        "h_effort",
        "cc_growth",
    )
}
"""The panel's quality metrics a hypothesis may name (their meaning: `qroi.core.metrics`)."""
OUTCOMES: dict[str, Outcome] = {
    "defects": Outcome("bugfix_commits", "bug-fix rate", "count"),
    "bug_inducing": Outcome("bug_inducing", "rate of bug-inducing changes (SZZ)", "count"),
    "rework": Outcome("rework", "rework (lines rewritten soon after)", "count"),
    "churn": Outcome("churn", "churn (lines changed)", "count"),
    "change_proneness": Outcome("commits", "change-proneness (commits per file-window)", "count"),
    "dev_time": Outcome("dev_time", "time in development of linked issues", "time"),
    "cycle_time": Outcome("cycle_time", "cycle time (mean days from first commit to landing)", "time"),
    "max_cycle_time": Outcome("max_cycle_time", "worst cycle time in the window (days)", "time"),
    "release_time": Outcome("release_time", "time from landing to release (mean days)", "time"),
    "value": Outcome("value_cost", "inverse value (cycle-time days per planned change)", "time"),
}
ALIASES = {
    "bugs": "defects",
    "bugfix_commits": "defects",
    "bug_fixes": "defects",
    "szz": "bug_inducing",
    "time_in_development": "dev_time",
    "time_to_change": "cycle_time",
    "value_cost": "value",
    "commits": "change_proneness",
    "growth": "cc_growth",
}
DEFAULT_QUALITY = ("mi", "cc_density", "cc_max")
DEFAULT_OUTCOMES = ("defects", "change_proneness")
# Outcomes added to the default family when the store has the data behind them.
WHEN_AVAILABLE = (("bug_inducing", "bug_inducing"), ("dev_time", "dev_time"))
LABELS = {"sloc": "size", "commits": "change frequency", "window": "calendar window"}
SIZE, EXPOSURE, UNIT = "sloc", "commits", "lineage"  # a file followed through its renames
PERIOD = "window"  # adjusted rungs get one fixed effect per calendar window
DAYS_PER_MONTH = 365.25 / 12
SZZ_OUTCOMES = frozenset({"bug_inducing"})
"""Outcomes SZZ finds only once a later fix blames them: the last windows are right-censored."""


def _lookup(name: str, table: dict[str, Any], what: str) -> Any:
    key = ALIASES.get(name, name)
    if key not in table:
        raise QroiError(f"unknown {what} {name!r}; choose from: {', '.join(table)}")
    return table[key]


def hypotheses(
    qualities: list[str] | None,
    outcomes: list[str] | None,
    *,
    sesoi: float = 1.1,
    n_boot: int = 199,
    bands: tuple[float, ...] | None = None,
    szz_censored: tuple[int, str] = (1, "SZZ finds a bug's origin only once the bug is fixed"),
) -> list[HypothesisSpec]:
    """The declared hypotheses: every quality metric crossed with every outcome (one Holm family).

    Change-proneness (commits per file-window) is the exposure itself, so it is adjusted for size
    only and keeps the file-windows without a commit. SZZ outcomes leave out the last
    `szz_censored[0]` windows, for the reason given (see `szz_censoring`).
    """
    specs = []
    for q in qualities or DEFAULT_QUALITY:
        metric = _lookup(q, QUALITY, "quality metric")
        for o in outcomes or DEFAULT_OUTCOMES:
            outcome = _lookup(o, OUTCOMES, "outcome")
            szz = ALIASES.get(o, o) in SZZ_OUTCOMES
            specs.append(
                HypothesisSpec(
                    quality=metric.name,
                    outcome=outcome.column,
                    outcome_kind=outcome.kind,
                    higher_is_better=metric.higher_is_better,
                    size=SIZE,
                    exposure=EXPOSURE if outcome.column != EXPOSURE else None,
                    unit=UNIT,
                    period=PERIOD,
                    censored_periods=szz_censored[0] if szz else 0,
                    censored_reason=szz_censored[1] if szz else None,
                    bands=bands,
                    sesoi=sesoi,
                    n_boot=n_boot,
                    name=f"{metric.name} -> {outcome.column}",
                    labels={metric.name: metric.label, outcome.column: outcome.label, **LABELS},
                    row_noun="file-windows",
                )
            )
    return specs


def szz_censoring(engine: Engine, repo: str, window: str) -> tuple[int, str]:
    """How many of the last windows SZZ outcomes leave out, and why, from the repo's own SZZ links.

    A bug introduced shortly before the data end is mostly not yet fixed, so SZZ has not found
    it: the last windows undercount bug-inducing changes, more so the later they are. Window
    effects absorb a thinning common to all files of a window; the windows ending within the
    median fix delay (at least the last one) are thinned too much to keep.
    """
    links = queries.bug_links(engine, repo).drop_duplicates(["fix_sha", "inducing_sha"])
    delays = links["days_to_fix"]
    if delays.empty:
        return 1, "SZZ finds a bug's origin only once the bug is fixed"
    median = float(delays.median())
    n = max(1, math.ceil(median / (window_months(window) * DAYS_PER_MONTH)))
    return n, f"SZZ finds a bug's origin only once it is fixed, a median {median:.0f} days later here"


def default_outcomes(panels: list[pd.DataFrame]) -> list[str]:
    """Bug fixes always; SZZ bug origins and issues' time in development when any panel has them."""
    chosen = list(DEFAULT_OUTCOMES)
    for name, column in WHEN_AVAILABLE:
        if any(column in p and (p[column].fillna(0) > 0).any() for p in panels):
            chosen.append(name)
    return chosen


def monthly(engine: Engine, repo: str) -> pd.DataFrame:
    """Repo x month: throughput, unplanned work, lead time and repository-level quality at month end.

    Feature commits are the commits of change kind feature (`qroi.labels.kinds`): not every commit
    that is not a fix, since docs, tests, style, refactors, releases and bumps are not throughput.

    `issues_closed` is NaN when no issues were imported; `lead_time_days` (median days from a
    commit to the release that shipped it, by the month the commit was written) when no release
    shipped that month's work.
    """
    commits = queries.commits(engine, repo)
    if commits.empty:
        return pd.DataFrame()
    month = months(commits["committed_ts"])
    commits = commits.assign(month=month, churn=commits["insertions"] + commits["deletions"])
    work = commits[~commits["is_merge"].astype(bool)]
    fixes = work["is_bugfix"].astype(bool)
    grouped = work.groupby("month")
    frame = pd.DataFrame(
        {
            "commits": grouped.size(),
            "bugfix_commits": work[fixes].groupby("month").size(),
            "feature_commits": work[work["kind"] == kind_names.FEATURE].groupby("month").size(),
            "churn": grouped["churn"].sum(),
            "bugfix_churn": work[fixes].groupby("month")["churn"].sum(),
        }
    ).fillna(0)
    frame["unplanned_share"] = frame["bugfix_churn"] / frame["churn"].where(frame["churn"] > 0)
    frame["lead_time_days"] = work.groupby("month")["lead_time_days"].median()
    closed = queries.issues(engine, repo)["closed_ts"].dropna()
    if len(closed):
        frame["issues_closed"] = months(closed.astype("int64")).value_counts()
    last = commits.sort_values(["generation", "committed_ts"]).groupby("month").last()
    frame["py_mi"] = last["py_mi"].astype(float)
    frame["cc_density"] = last["py_cc_total"] / last["py_sloc"].where(last["py_sloc"] > 0) * 100
    frame = frame.reindex(pd.period_range(frame.index.min(), frame.index.max(), freq="M"))
    if "issues_closed" in frame:
        frame["issues_closed"] = frame["issues_closed"].fillna(0)
    else:
        frame["issues_closed"] = float("nan")
    frame[["commits", "bugfix_commits", "feature_commits", "churn", "bugfix_churn"]] = frame[
        ["commits", "bugfix_commits", "feature_commits", "churn", "bugfix_churn"]
    ].fillna(0)
    frame[["py_mi", "cc_density"]] = frame[["py_mi", "cc_density"]].ffill()
    frame.index.name = "month"
    return frame.reset_index().assign(repo=repo, month=lambda f: f["month"].astype(str))


VALUE_SERIES = {
    "unplanned_share": "share of churn spent on bug fixes (unplanned work)",
    "feature_commits": "feature commits per month (throughput)",
    "issues_closed": "issues closed per month (throughput)",
    "lead_time_days": "median lead time to release, days",
}
MISSING = {
    "issues_closed": "no issues imported (qroi issues import FILE --repo NAME)",
    "lead_time_days": "no releases (version tags) found",
}


@dataclass
class ClaimResult:
    """Everything the claim test found for one or several repositories."""

    repos: list[str]
    window: str
    reports: dict[str, Report]
    panel: pd.DataFrame
    monthly: pd.DataFrame
    trends: list[dict[str, Any]] = field(default_factory=list)
    pooled: dict[str, PooledResult] = field(default_factory=dict)
    roles: frozenset[str] = frozenset({roles.PRODUCT})
    rows_every_role: int = 0  # panel rows before the role filter, to say what it left out

    @property
    def report(self) -> Report:
        """The single repository's report (or, for several, the first: see `pooled` for all)."""
        return self.reports[self.repos[0]]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "question": "Does worse code quality go with worse delivery outcomes here?",
                "repos": self.repos,
                "window": self.window,
                "unit": "file x window: quality at the window start, outcomes during the window",
                "file_roles": sorted(self.roles),
                "rows": len(self.panel),
                "rows_every_role": self.rows_every_role,
                "per_repo": {name: report.to_dict() for name, report in self.reports.items()},
                "pooled": {name: p.to_dict() for name, p in self.pooled.items()},
                "monthly_view": {
                    "caveat": "weaker evidence than the file panel: one series per repository, few months, and "
                    "everything else that changed over time; linear trend and AR(1) errors; quality at the "
                    "month's start (the previous month's end), so the month's own work cannot move it",
                    "trends": self.trends,
                },
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)


def _trends(frame: pd.DataFrame) -> list[dict[str, Any]]:
    with warnings.catch_warnings():  # statsmodels' notes on near-singular series; results say what matters
        warnings.simplefilter("ignore")
        return _trend_results(frame)


def _trend_results(frame: pd.DataFrame) -> list[dict[str, Any]]:
    results = []
    several = frame["repo"].nunique() > 1
    for value, label in VALUE_SERIES.items():
        if frame[value].isna().all():
            results.append(
                {
                    "value": value,
                    "label": label,
                    "quality": "py_mi",
                    "status": "No data",
                    "reason": MISSING[value],
                }
            )
            continue
        result: ValueTrendResult = value_trend_regression(
            frame, value, "py_mi", "month", repo="repo" if several else None, higher_is_better=True
        )
        results.append({"value": value, "label": label, "quality": "py_mi", **result.to_dict()})
    return results


def claim_test(
    engine: Engine,
    repos: list[str],
    qualities: list[str] | None = None,
    outcomes: list[str] | None = None,
    window: str = "6M",
    sesoi: float = 1.1,
    n_boot: int = 199,
    bands: tuple[float, ...] | None = None,
    seed: int = 0,
    kept: frozenset[str] | None = None,
    globs: roles.Overrides | None = None,
) -> ClaimResult:
    """Run the declared hypotheses on each repository, pool them, and add the monthly view.

    Only files whose role is in `kept` enter the panel: product code by default, since tests and
    docs have their own quality and their own "fixes" and were most of a real project's rows.
    Roles are `qroi.read.file_roles`'s, with the command's `--include`/`--exclude` as `globs`.
    """
    if not repos:
        raise QroiError("name at least one stored repository (see `qroi repos`)")
    kept = kept or frozenset({roles.PRODUCT})
    full = {repo: build_panel(engine, repo, window, globs) for repo in repos}
    for repo, panel in full.items():
        if panel.empty:
            raise QroiError(
                f"{repo}: history shorter than one complete {window} window; try a shorter --window"
            )
    panels = {repo: panel[panel["role"].isin(kept)].reset_index(drop=True) for repo, panel in full.items()}
    for repo, panel in panels.items():
        if panel.empty:
            raise QroiError(f"{repo}: no {', '.join(sorted(kept))} files in the panel; widen --roles")
    if outcomes is None:
        outcomes = default_outcomes(list(panels.values()))
    specs = {
        repo: hypotheses(
            qualities,
            outcomes,
            sesoi=sesoi,
            n_boot=n_boot,
            bands=bands,
            szz_censored=szz_censoring(engine, repo, window),
        )
        for repo in repos
    }
    reports = {repo: analyze(panel, specs[repo], seed=seed) for repo, panel in panels.items()}
    months = [monthly(engine, repo) for repo in repos]
    pooled = {}
    if len(repos) > 1:
        titles = [s.title for s in specs[repos[0]]]
        pooled = pool_hypotheses({t: {repo: reports[repo][t] for repo in repos} for t in titles})
    monthly_frame = pd.concat(months, ignore_index=True)
    return ClaimResult(
        list(repos),
        window,
        reports,
        pd.concat(panels.values(), ignore_index=True),
        monthly_frame,
        _trends(monthly_frame),
        pooled,
        kept,
        sum(len(p) for p in full.values()),
    )
