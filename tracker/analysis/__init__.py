"""Statistics engine: does worse code quality go with worse delivery outcomes, honestly tested?

Input is a unit x window panel (one row per file x time window, or any user table) plus a
HypothesisSpec naming its columns; output is JSON-ready result records with verdicts.
"""

from tracker.analysis.decision import Decision, Verdict, decide, holm, mde_ratio, tost_p
from tracker.analysis.engine import analyze, analyze_hypothesis, estimate, make_report
from tracker.analysis.pooling import PooledResult, RepoEffect, pool
from tracker.analysis.prepare import MIN_INFORMATIVE_UNITS, MIN_ROWS
from tracker.analysis.results import (
    BandComparison,
    BandSummary,
    Descriptive,
    Effect,
    HypothesisResult,
    Report,
)
from tracker.analysis.spec import HypothesisSpec, OutcomeKind
from tracker.analysis.table import load_table
from tracker.analysis.timeseries import (
    ErrorModel,
    ITSResult,
    ValueTrendResult,
    interrupted_time_series,
    value_trend_regression,
)

__all__ = [
    "MIN_INFORMATIVE_UNITS",
    "MIN_ROWS",
    "BandComparison",
    "BandSummary",
    "Decision",
    "Descriptive",
    "Effect",
    "ErrorModel",
    "HypothesisResult",
    "HypothesisSpec",
    "ITSResult",
    "OutcomeKind",
    "PooledResult",
    "RepoEffect",
    "Report",
    "ValueTrendResult",
    "Verdict",
    "analyze",
    "analyze_hypothesis",
    "decide",
    "estimate",
    "holm",
    "interrupted_time_series",
    "load_table",
    "make_report",
    "mde_ratio",
    "pool",
    "tost_p",
    "value_trend_regression",
]
