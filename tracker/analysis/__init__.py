"""Statistics engine: does worse code quality go with worse delivery outcomes, honestly tested?

Input is a unit x window panel (one row per file x time window, or any user table) plus a
HypothesisSpec naming its columns; output is JSON-ready result records with verdicts.
"""

from qroi.analysis.decision import Decision, Verdict, decide, holm, mde_ratio, tost_p
from qroi.analysis.engine import analyze, analyze_hypothesis, estimate, make_report
from qroi.analysis.pooling import PooledResult, RepoEffect, pool, pool_hypotheses
from qroi.analysis.prepare import MIN_INFORMATIVE_UNITS, MIN_ROWS
from qroi.analysis.results import (
    BandComparison,
    BandSummary,
    Descriptive,
    Effect,
    HypothesisResult,
    Report,
)
from qroi.analysis.spec import HypothesisSpec, OutcomeKind
from qroi.analysis.table import load_table
from qroi.analysis.timeseries import (
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
    "pool_hypotheses",
    "tost_p",
    "value_trend_regression",
]
