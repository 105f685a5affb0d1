"""What each quality metric means, said once: its name, how to say it, its unit, which end is good.

The scorer stores these numbers, the claim test orients its hypotheses by them, the dashboard
labels cards, axes and colours with them and the AI-era lens names its monthly shares with them.
A metric is declared here once (wily's operators declare each metric on one object the same way),
so "is higher better?" is never answered twice, differently.

Names are the file-level columns (`blobs`, the claim-test panel). A repository-level column of the
`commits` table carries the same meaning under a `py_` name (`REPO_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass

C_OR_WORSE = 11
"""Cyclomatic complexity from which Radon ranks a function C ("moderate risk") or worse: the
threshold of every "C or worse" count, and the one a function crosses in `qroi compare`."""


@dataclass(frozen=True)
class Metric:
    """One metric: `label` reads inside a sentence, `title` on a card, `axis`/`short` on charts.

    `higher_is_better` is None for a measure with no good end (size, counts of things).
    """

    name: str
    title: str
    label: str
    axis: str
    short: str
    higher_is_better: bool | None
    unit: str = ""
    percent: bool = False
    digits: int = 1


def _m(
    name: str,
    title: str,
    label: str | None = None,
    *,
    axis: str | None = None,
    short: str | None = None,
    better: bool | None = False,
    unit: str = "",
    percent: bool = False,
    digits: int = 1,
) -> Metric:
    return Metric(
        name, title, label or title.lower(), axis or title, short or title, better, unit, percent, digits
    )


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _m(
            "mi",
            "Maintainability index",
            axis="MI (0–100, higher is better)",
            short="MI (0–100)",
            better=True,
            unit="MI points",
        ),
        _m(
            "mi_rank", "Maintainability rank", axis="MI rank (A best)", short="MI rank", better=None, digits=0
        ),
        _m(
            "cc_density",
            "Complexity density",
            "complexity per 100 lines",
            axis="Cyclomatic complexity per 100 sloc",
            short="CC per 100 sloc",
            unit="CC per 100 sloc",
        ),
        _m(
            "cc_growth",
            "Complexity growth",
            "complexity growth over the previous window",
            axis="Change of CC per 100 sloc over the previous window",
            short="CC growth",
            unit="CC per 100 sloc",
        ),
        _m(
            "cc_total",
            "Total complexity",
            axis="Total cyclomatic complexity (CC)",
            short="Total CC",
            digits=0,
        ),
        _m("cc_max", "Worst function complexity", short="Max CC", digits=0),
        _m("cc_mean", "Mean function complexity", short="Mean CC"),
        _m(
            "c_share",
            "Functions ranked C or worse",
            "share of functions ranked C or worse",
            axis="Functions with CC ≥ 11 (%)",
            short="CC ≥ 11 (% of functions)",
            percent=True,
        ),
        _m("c_or_worse", "Functions ranked C or worse (count)", "functions ranked C or worse", digits=0),
        _m("functions", "Functions", better=None, digits=0),
        _m("h_volume", "Halstead volume", "Halstead volume", digits=0),
        _m("h_difficulty", "Halstead difficulty", "Halstead difficulty"),
        _m("h_effort", "Halstead effort", "Halstead effort", digits=0),
        _m("h_bugs", "Halstead bugs", "Halstead's estimated bugs", digits=2),
        _m(
            "sloc",
            "Python size",
            "size",
            axis="Python source lines (sloc)",
            short="sloc",
            better=None,
            digits=0,
        ),
        _m("lloc", "Logical lines", better=None, digits=0),
        _m("loc", "Lines", better=None, digits=0),
        _m("comments", "Comment lines", better=None, digits=0),
        _m("multi", "Multi-line string lines", better=None, digits=0),
        _m("blank", "Blank lines", better=None, digits=0),
        _m("single_comments", "Single-line comments", better=None, digits=0),
        _m("copy_paste_share", "Copy/paste share", "copy/paste share of line operations", percent=True),
        _m("moved_share", "Moved share", "moved share of line operations", better=True, percent=True),
        _m("churn_share", "Churn share", "share of added lines churned within 14 days", percent=True),
        _m(
            "duplicated_block_share",
            "Duplicated-block share",
            "share of commits with a duplicated block",
            percent=True,
        ),
        _m("ai_share", "Declared-AI share", "share of declared-AI commits", better=None, percent=True),
    )
}

REPO_COLUMNS = {
    "py_mi": "mi",
    "py_cc_total": "cc_total",
    "py_sloc": "sloc",
    "cc_density": "cc_density",
    "c_share": "c_share",
    "py_functions": "functions",
    "py_c_or_worse": "c_or_worse",
}
"""Repository-level columns (quality after each commit) -> the metric they measure."""


def metric(name: str) -> Metric:
    """The metric behind a file-level name or a repository-level `py_` column."""
    return METRICS[REPO_COLUMNS.get(name, name)]
