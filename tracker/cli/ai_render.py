"""Terminal rendering of the AI-era lens (`qroi ai`): shares, comparisons, event study, caveats.

Every comparison is printed with its three adjustment levels side by side and the sentence behind
its verdict, and every report ends with the caveats, the declared-only one first: the numbers are
only as good as what commits declare.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from qroi.analysis.ai_compare import Comparison, GroupEffect
from qroi.analysis.ai_lens import Lens
from qroi.analysis.growth import GrowthEvent

STYLE = {
    "Supported": "bold red",
    "Contradicted": "bold green",
    "No effect (equivalent)": "bold",
    "Inconclusive": "yellow",
}
"""Comparison verdicts in the AI era page's colours: red when declared-AI commits confirm the concern."""
EVENT_STYLE = {
    "Level shift": "bold magenta",
    "Slope change": "bold magenta",
    "Level and slope change": "bold magenta",
    "No clear change": "bold",
}


def pct(value: Any) -> str:
    """A share as a percentage ("-" when unknown)."""
    return "-" if value is None or pd.isna(value) else f"{value:.1%}"


def _effect(c: Comparison, e: GroupEffect) -> str:
    if c.kind == "continuous":
        return f"{e.estimate:+.3g} [{e.ci_low:+.3g} to {e.ci_high:+.3g}]"
    return f"{e.estimate:.2f} [{e.ci_low:.2f}-{e.ci_high:.2f}]"


def _shares(lens: Lens, console: Console, months: int) -> None:
    t = lens.totals
    table = Table(title=f"line operations of {t['commits']:,} non-merge commits", title_justify="left")
    for col in (
        "operations",
        "copy/paste",
        "moved",
        f"churn ({lens.churn_window})",
        "duplicated-block commits",
        "declared AI",
        "automation",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        f"{t['operations']:,}",
        pct(t["copy_paste_share"]),
        pct(t["moved_share"]),
        pct(t["churn_share"]),
        f"{t['duplicated_block_commits']:,} ({pct(t['duplicated_block_share'])})",
        f"{t['ai_commits']:,} ({pct(t['ai_share'])})",
        f"{t['automated_commits']:,}",
    )
    console.print(table)
    if lens.monthly.empty:
        return
    tree = lens.duplication[lens.duplication["kind"] == "month"].groupby("at")["share"].mean()
    shown = lens.monthly.tail(months)
    table = Table(
        title=f"per month (author time, UTC; the last {len(shown)} of {len(lens.monthly)})",
        title_justify="left",
    )
    for col in (
        "month",
        "commits",
        "declared AI",
        "operations",
        "copy/paste",
        "moved",
        "churn",
        "duplicated-block commits",
        "tree duplicated",
    ):
        table.add_column(col, justify="left" if col == "month" else "right")
    for row in shown.itertuples():
        table.add_row(
            row.month,
            f"{row.commits:,}",
            f"{row.ai_commits:,}",
            f"{row.operations:,}",
            pct(row.copy_paste_share),
            pct(row.moved_share),
            pct(row.churn_share),
            pct(row.duplicated_block_share),
            pct(tree.get(row.month)),
        )
    console.print(table)
    console.print(
        "Shares of line operations (added, deleted, updated, moved, copy/pasted); churn is the share of "
        "the lines a month's commits wrote that were changed or deleted within the churn window (empty "
        "until it has passed); tree duplicated: duplicated-block share of the Python code at the month's "
        "end.",
        style="dim",
    )


def _authors(lens: Lens, console: Console, top: int = 10) -> None:
    if lens.authors.empty:
        return
    table = Table(
        title=f"authors (the {min(top, len(lens.authors))} with most line operations)", title_justify="left"
    )
    for col in ("author", "commits", "declared AI", "operations", "copy/paste", "moved", "churn"):
        table.add_column(col, justify="left" if col == "author" else "right")
    for row in lens.authors.head(top).itertuples():
        table.add_row(
            row.author,
            f"{row.commits:,}",
            f"{row.ai_commits:,}",
            f"{row.operations:,}",
            pct(row.copy_paste_share),
            pct(row.moved_share),
            pct(row.churn_share),
        )
    console.print(table)


def _comparisons(lens: Lens, console: Console) -> None:
    table = Table(title="declared-AI vs other commits", title_justify="left")
    for col in (
        "outcome",
        "n (AI)",
        "unadjusted",
        "+ size",
        "+ size, files, experience",
        "Holm p",
        "verdict",
    ):
        table.add_column(col, justify="left" if col in ("outcome", "verdict") else "right")
    for c in lens.comparisons.comparisons:
        cells = [_effect(c, e) for e in c.effects] + ["-"] * (3 - len(c.effects))
        p = f"{c.p_holm:.3g}" if c.p_holm is not None else "-"
        verdict = c.verdict or c.status
        table.add_row(
            c.label,
            f"{c.n_commits:,} ({c.n_flagged:,})",
            *cells,
            p,
            f"[{STYLE.get(verdict, 'dim')}]{verdict}[/]",
        )
    console.print(table)
    console.print(
        "Counts and bug-inducing: ratios, declared-AI vs other (1 = no difference); quality: difference in "
        "MI points. 95% confidence intervals.",
        style="dim",
    )
    for c in lens.comparisons.comparisons:
        console.print(f"- {c.explanation}", markup=False)
        for warning in c.warnings:
            console.print(f"  note: {warning}", style="dim", markup=False)


def _span(value: float | None, low: float | None, high: float | None, percent: bool) -> str:
    """An estimate with its interval, shares in percentage points."""
    if value is None:
        return "-"
    scale, unit = (100.0, " pt") if percent else (1.0, "")
    return f"{value * scale:+.3g}{unit} [{(low or 0) * scale:+.3g} to {(high or 0) * scale:+.3g}]"


def _event(lens: Lens, console: Console) -> None:
    if lens.event is None:
        return
    table = Table(
        title=f"before and after {lens.event.event} (interrupted time series)", title_justify="left"
    )
    for col in (
        "metric",
        "months before/after",
        "level change",
        "slope change per month",
        "Holm p (level, slope)",
        "verdict",
    ):
        table.add_column(col, justify="left" if col in ("metric", "verdict") else "right")
    for change in lens.event.changes:
        its = change.its
        holm = "-" if change.level_p_holm is None else f"{change.level_p_holm:.3g}, {change.slope_p_holm:.3g}"
        table.add_row(
            change.label,
            f"{its.n_pre}/{its.n_post}",
            _span(its.level_change, its.level_ci_low, its.level_ci_high, change.percent),
            _span(its.slope_change, its.slope_ci_low, its.slope_ci_high, change.percent),
            holm,
            f"[{EVENT_STYLE.get(change.verdict, 'dim')}]{change.verdict}[/]",
        )
    console.print(table)
    for change in lens.event.changes:
        console.print(f"- {change.explanation}", markup=False)


def render(lens: Lens, console: Console, title: str, months: int = 12) -> None:
    """The whole lens: shares, authors, comparisons, the event study if asked, then the caveats."""
    console.print(title, style="bold")
    if lens.commits.empty:
        console.print(
            "No line operations are stored for this selection: run `qroi ingest` on the repository "
            "(a store written by an older qroi computes them on its next ingest).",
            markup=False,
        )
        return
    _shares(lens, console, months)
    _authors(lens, console)
    _comparisons(lens, console)
    _event(lens, console)
    console.print("\nCaveats", style="bold")
    for caveat in dict.fromkeys(lens.caveats):
        console.print(f"- {caveat}", markup=False)


def summary(lens: Lens) -> str:
    """The command's one-line summary."""
    t = lens.totals
    verdicts = [c.verdict or c.status for c in lens.comparisons.comparisons]
    tally = ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts)) or "none"
    event = ""
    if lens.event is not None:
        found = "; ".join(f"{c.metric} {c.verdict}" for c in lens.event.changes)
        event = f"; at {lens.event.event}: {found}"
    return (
        f"AI-era lens of {', '.join(lens.repos)}: {t['commits']:,} commits ({t['ai_commits']:,} declared AI), "
        f"copy/paste {pct(t['copy_paste_share'])}, moved {pct(t['moved_share'])}, churn {pct(t['churn_share'])}; "
        f"comparisons: {tally}{event}"
    )


def _ratio(value: float | None, low: float | None, high: float | None) -> str:
    return "-" if value is None else f"{value:.2f} [{low:.2f}-{high:.2f}]"


def render_growth(grown: GrowthEvent, console: Console) -> None:
    """Complexity growth -> later speed, before and after the adoption date (`qroi.analysis.growth`)."""
    table = Table(
        title=f"does complexity growth slow later changes? before vs after {grown.event} "
        f"({grown.window} windows; ratio per SD more growth, adjusted for size, commits and window)",
        title_justify="left",
    )
    for col in ("outcome", "before", "after", "after / before", "verdict"):
        table.add_column(col)
    for c in grown.changes:
        sides = []
        for h in (c.before, c.after):
            adj = h.adjusted
            sides.append(
                f"{_ratio(adj.ratio, adj.ci_low, adj.ci_high)} {h.verdict}" if adj else f"- ({h.status})"
            )
        table.add_row(
            c.outcome,
            *sides,
            _ratio(c.ratio, c.ci_low, c.ci_high),
            c.verdict + (f" ({c.reason})" if c.reason else ""),
        )
    console.print(table)
    console.print(
        f"{grown.rows_before:,} file-windows before, {grown.rows_after:,} after. A Supported change would mean "
        "growth slows later changes more after the date than before (the halves share files: its interval is "
        "optimistic).",
        markup=False,
    )
