"""Plotly figures for every page, built from DataFrames only (no Streamlit, no store).

One palette and one template for the whole app: quality is blue, plain activity slate, bug fixes
red, issues green, releases violet, bug-inducing commits orange, everywhere. Every axis names its
measure and unit. Figures are plain functions of frames, so tests can build them directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from qroi.dashboard.metrics import RANK_COLOURS, Measure

INK = "#0f172a"
MUTED = "#64748b"
GRID = "#e8edf3"
QUALITY = "#2563eb"
ACTIVITY = "#a5b4c8"
BUGFIX = "#dc2626"
ISSUES = "#059669"
RELEASE = "#7c3aed"
INDUCING = "#ea580c"
LEAD = "#d97706"
REPO_COLOURS = ["#2563eb", "#db2777", "#0891b2", "#65a30d", "#9333ea", "#ea580c", "#0d9488", "#b45309"]
MI_SCALE = [[0.0, "#b91c1c"], [0.35, "#f59e0b"], [0.65, "#a3e635"], [1.0, "#15803d"]]
"""MI colour scale: red below Radon's C rank (MI < 10 is C, but real files sit at 40-80), green above."""

MAX_RELEASE_LABELS = 14
MAX_LABELS_ACROSS = 10
"""Release names written on a chart at most: beyond it they overlap at 1280 px; every release keeps
its marker and its name on hover."""
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}

pio.templates["qroi"] = go.layout.Template(
    layout=go.Layout(
        font={
            "family": '"Source Sans Pro", "Source Sans 3", system-ui, sans-serif',
            "size": 13,
            "color": INK,
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=REPO_COLOURS,
        margin={"l": 20, "r": 20, "t": 56, "b": 20},
        hoverlabel={"bgcolor": "white", "bordercolor": GRID, "font": {"color": INK}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0, "title": None},
        xaxis={
            "gridcolor": GRID,
            "linecolor": "#cbd5e1",
            "zeroline": False,
            "ticks": "outside",
            "tickcolor": "#cbd5e1",
            "automargin": True,
            "title": {"standoff": 10},
        },
        yaxis={
            "gridcolor": GRID,
            "linecolor": "#cbd5e1",
            "zeroline": False,
            "automargin": True,
            "title": {"standoff": 10},
        },
        title={"font": {"size": 15, "color": INK}, "x": 0, "xanchor": "left"},
    )
)
TEMPLATE = "qroi"


def repo_colours(repos: list[str]) -> dict[str, str]:
    """A stable colour per repository (in the order the picker lists them)."""
    return {r: REPO_COLOURS[i % len(REPO_COLOURS)] for i, r in enumerate(repos)}


def _scaled(values: pd.Series, measure: Measure) -> pd.Series:
    return values.astype("float64") * (100 if measure.percent else 1)


GAP_DAYS = 92
"""A line is broken where consecutive points are further apart than this (a quarter): months
without a value are unknown, and a straight line across years of them invents a trend."""


def broken_at_gaps(x: pd.Series, y: pd.Series, days: int = GAP_DAYS) -> tuple[list, list]:
    """The points with a None between any two further apart than `days`, which plotly draws as a gap."""
    xs: list = []
    ys: list = []
    previous = None
    for when, value in zip(pd.to_datetime(x), y, strict=True):
        if previous is not None and (when - previous).days > days:
            xs.append(previous + (when - previous) / 2)
            ys.append(None)
        xs.append(when)
        ys.append(value)
        previous = when
    return xs, ys


def thinned_labels(times: pd.Series, labels: list[str], most: int = MAX_LABELS_ACROSS) -> list[str]:
    """The labels to write, "" for the others: at most `most`, each at least 1/`most` of the time
    span after the last one written (the newest first), so neighbours never overlap."""
    when = pd.to_datetime(times).reset_index(drop=True)
    if len(when) == 0:
        return []
    span = (when.max() - when.min()) / most
    shown = [""] * len(labels)
    last = None
    for i in sorted(range(len(when)), key=lambda k: when[k], reverse=True):
        if sum(1 for t in shown if t) >= most:
            break
        if last is None or last - when[i] >= span:
            shown[i] = labels[i]
            last = when[i]
    return shown


def _mark_releases(fig: go.Figure, releases: pd.DataFrame, rows: int) -> None:
    """Releases as violet triangles on top; with few releases, labelled and drawn as dotted lines across every row."""
    if releases.empty:
        return
    shown = releases
    several = shown["repo"].nunique() > 1
    # One layout update with every line: fig.add_vline per line and row re-validates the whole
    # layout each time, which took 25 s for 79 releases x 3 rows. Dozens of lines would hide the
    # data, so beyond a few releases only the markers on top remain.
    few = len(shown) <= MAX_RELEASE_LABELS
    lines = [
        {
            "type": "line",
            "xref": "x",
            "yref": f"y{row if row > 1 else ''} domain",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"color": RELEASE, "width": 1, "dash": "dot"},
            "opacity": 0.55,
        }
        for x in shown["released_at"].dt.tz_convert(None)
        for row in range(1, rows + 1)
        if few
    ]
    fig.update_layout(shapes=[*fig.layout.shapes, *lines])
    label = [f"{r} {n}" if several else n for r, n in zip(shown["repo"], shown["tag"], strict=True)]
    at = shown["released_at"].dt.tz_convert(None)
    fig.add_trace(
        go.Scatter(
            x=at,
            y=[1.0] * len(shown),
            yaxis="y99",
            mode="markers+text",
            text=thinned_labels(at, label),
            customdata=label,
            textposition="top center",
            textfont={"size": 11, "color": RELEASE},
            marker={"symbol": "triangle-down", "size": 9, "color": RELEASE},
            name="Release",
            hovertemplate="release %{customdata}<br>%{x|%d %b %Y}<extra></extra>",
            cliponaxis=False,
        )
    )
    fig.update_layout(yaxis99={"overlaying": "y", "range": [0, 1.08], "visible": False, "fixedrange": True})


def timeline(
    monthly: pd.DataFrame,
    releases: pd.DataFrame,
    measure: Measure,
    repos: list[str],
    lead_times: pd.DataFrame | None = None,
    target: float | None = None,
) -> go.Figure:
    """Quality (one line per repository) above delivery per month (summed over repositories);
    `target`, in the measure's displayed unit, is drawn as a dashed line across the quality chart.

    Delivery: commits (slate bars) with the bug fixes among them (red bars in front), issues
    closed (green line) and, when releases exist, the median lead time to release (amber, days).
    """
    has_lead = lead_times is not None and not lead_times.empty
    rows = 3 if has_lead else 2
    titles = [f"Quality at month end: {measure.label}", "Delivery per month"] + (
        ["Lead time to release"] if has_lead else []
    )
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=titles,
        row_heights=[0.5, 0.5] if rows == 2 else [0.42, 0.33, 0.25],
    )
    colours = repo_colours(repos)
    several = len(repos) > 1
    for repo in repos:
        part = monthly[monthly["repo"] == repo]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["month"],
                y=_scaled(part[measure.column], measure),
                mode="lines+markers",
                name=f"{measure.label} · {repo}" if several else measure.label,
                line={"color": colours[repo], "width": 2.5, "shape": "hv" if len(part) > 60 else "linear"},
                marker={"size": 5 if len(part) <= 60 else 0},
                legendgroup="quality",
                hovertemplate=f"{repo}<br>%{{x|%b %Y}}: %{{y:,.{measure.digits}f}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if target is not None and len(monthly):
        fig.add_trace(
            go.Scatter(
                x=[monthly["month"].min(), monthly["month"].max()],
                y=[target, target],
                mode="lines",
                name="Target",
                line={"color": MUTED, "width": 1.5, "dash": "dash"},
                hovertemplate=f"target {target:,.{measure.digits}f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    per_month = monthly.groupby("month", sort=True)[["commits", "bugfixes", "issues_closed"]].sum()
    fig.add_trace(
        go.Bar(
            x=per_month.index,
            y=per_month["commits"],
            name="Commits",
            marker_color=ACTIVITY,
            hovertemplate="%{x|%b %Y}: %{y:,} commits<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=per_month.index,
            y=per_month["bugfixes"],
            name="Bug fixes",
            marker_color=BUGFIX,
            hovertemplate="%{x|%b %Y}: %{y:,} bug fixes<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=per_month.index,
            y=per_month["issues_closed"],
            name="Issues closed",
            mode="lines+markers",
            line={"color": ISSUES, "width": 2},
            marker={"size": 5},
            hovertemplate="%{x|%b %Y}: %{y:,} issues closed<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if has_lead:
        assert lead_times is not None
        lead_x, lead_y = broken_at_gaps(lead_times["month"], lead_times["median_days"])
        fig.add_trace(
            go.Scatter(
                x=lead_x,
                y=lead_y,
                name="Median lead time",
                mode="lines+markers",
                line={"color": LEAD, "width": 2},
                marker={"size": 5},
                hovertemplate="%{x|%b %Y}: %{y:,.1f} days<extra></extra>",
            ),
            row=3,
            col=1,
        )
        fig.update_yaxes(title_text="Median days", rangemode="tozero", row=3, col=1)
    fig.update_layout(
        template=TEMPLATE,
        barmode="overlay",
        bargap=0.15,
        height=660 if rows == 2 else 820,
        hovermode="x unified",
        legend={"y": 1.1 if rows == 2 else 1.08},
        margin={"t": 110},
    )
    # From zero: an axis fitted to the data made a move of half a point look like a collapse.
    fig.update_yaxes(title_text=measure.short, rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="Count per month", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text="Month (UTC)", row=rows, col=1)
    _mark_releases(fig, releases, rows)
    return fig


def hotspots(hot: pd.DataFrame, labelled: int = 8) -> go.Figure:
    """Change frequency (x) against complexity (y); bubble area is size in sloc, colour is MI."""
    several = hot["repo"].nunique() > 1
    names = [f"{r}: {p}" if several else p for r, p in zip(hot["repo"], hot["path"], strict=True)]
    short = [p.rsplit("/", 1)[-1] if i < labelled else "" for i, p in enumerate(hot["path"])]
    sloc = hot["sloc"].fillna(0).astype("float64")
    typical = max(float(sloc.quantile(0.9)), 1.0)
    diameter = (np.sqrt(sloc / typical) * 34).clip(6, 64)
    fig = go.Figure(
        go.Scatter(
            x=hot["commits"],
            y=hot["cc_total"],
            mode="markers+text",
            text=short,
            textposition="top center",
            textfont={"size": 11, "color": MUTED},
            customdata=np.column_stack(
                [hot["repo"], hot["path"], names, sloc, hot["bugfix_commits"], hot["mi"]]
            ),
            marker={
                "size": diameter,
                "sizemode": "diameter",
                "color": hot["mi"],
                "colorscale": MI_SCALE,
                "cmin": 0,
                "cmax": 100,
                "opacity": 0.8,
                "line": {"color": "white", "width": 1},
                "colorbar": {"title": {"text": "MI"}, "thickness": 12, "len": 0.8},
            },
            hovertemplate="<b>%{customdata[2]}</b><br>%{x:,} commits · CC %{y:,} · %{customdata[3]:,.0f} sloc"
            "<br>%{customdata[4]} bug-fix commits · MI %{customdata[5]:.1f}<extra></extra>",
            name="files",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        height=560,
        title="Hotspots: change frequency × complexity (bubble area ∝ sloc, the largest capped)",
    )
    fig.update_xaxes(title_text="Commits touching the file in the period (count)", rangemode="tozero")
    fig.update_yaxes(title_text="Total cyclomatic complexity at HEAD (CC)", rangemode="tozero")
    return fig


def file_history(hist: pd.DataFrame, main_line: pd.DataFrame, inducing: set[str] | None = None) -> go.Figure:
    """MI, CC (total and worst function) and sloc of one file along its main line.

    The lines follow the file's versions on the main line (`main_line`); a commit made on a
    feature branch changed that branch's copy, so it is a grey point beside the line rather than
    a zig-zag through it, and the line moves when the merge brings it in. Bug-fix commits are
    red crosses, bug-inducing commits (when SZZ links exist) orange triangles, wherever made.
    """
    inducing = inducing or set()
    scored = hist[hist["sloc"].notna()]
    main = main_line[main_line["sloc"].notna()]
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.07,
        subplot_titles=["Maintainability index", "Cyclomatic complexity", "Size"],
    )
    hover = "%{x|%d %b %Y} · %{customdata[0]}<br>%{customdata[1]}<br>"
    custom = np.column_stack([main["sha"].str[:10], main["subject"].str.slice(0, 80)]) if len(main) else None
    series = [
        (1, "mi", "MI", QUALITY, "solid"),
        (2, "cc_total", "CC total", QUALITY, "solid"),
        (2, "cc_max", "CC of the worst function", "#60a5fa", "dash"),
        (3, "sloc", "sloc", "#334155", "solid"),
    ]
    for row, col, name, colour, dash in series:
        fig.add_trace(
            go.Scatter(
                x=main["committed_at"].dt.tz_convert(None),
                y=main[col],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 2, "dash": dash, "shape": "hv"},
                marker={"size": 5},
                customdata=custom,
                hovertemplate=hover + name + " %{y:,.1f}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    marks = [
        ("On a branch", scored[~scored["mainline"]], "#94a3b8", "circle", 7),
        ("Bug-fix commit", scored[scored["is_bugfix"]], BUGFIX, "x", 11),
        ("Bug-inducing commit", scored[scored["sha"].isin(inducing)], INDUCING, "triangle-up", 11),
    ]
    for name, rows, colour, symbol, size in marks:
        if rows.empty:
            continue
        for row, col in ((1, "mi"), (2, "cc_total"), (3, "sloc")):
            fig.add_trace(
                go.Scatter(
                    x=rows["committed_at"].dt.tz_convert(None),
                    y=rows[col],
                    mode="markers",
                    name=name,
                    legendgroup=name,
                    showlegend=row == 1,
                    marker={
                        "symbol": symbol,
                        "size": size,
                        "color": colour,
                        "line": {"width": 1, "color": "white"},
                    },
                    customdata=np.column_stack([rows["sha"].str[:10], rows["subject"].str.slice(0, 80)]),
                    hovertemplate=hover + name + "<extra></extra>",
                ),
                row=row,
                col=1,
            )
    fig.update_layout(
        template=TEMPLATE, height=680, hovermode="closest", legend={"y": 1.08}, margin={"t": 100}
    )
    fig.update_yaxes(title_text="MI (0–100)", row=1, col=1)
    fig.update_yaxes(title_text="CC", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(title_text="Source lines (sloc)", rangemode="tozero", row=3, col=1)
    fig.update_xaxes(title_text="Commit date (UTC)", row=3, col=1)
    return fig


def functions(funcs: pd.DataFrame, top: int = 20) -> go.Figure:
    """The most complex functions of a file version, coloured by Radon rank."""
    shown = funcs.head(top).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=shown["complexity"],
            y=shown["qualified"],
            orientation="h",
            marker_color=[RANK_COLOURS.get(r, MUTED) for r in shown["rank"]],
            text=shown["rank"],
            textposition="outside",
            customdata=shown["lineno"],
            hovertemplate="%{y} (line %{customdata}): CC %{x}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE, height=max(240, 26 * len(shown) + 80), showlegend=False, margin={"t": 20}
    )
    fig.update_xaxes(title_text="Cyclomatic complexity (CC; rank A 1–5 … F 41+)", rangemode="tozero")
    fig.update_yaxes(title_text=None, automargin=True)
    return fig


def commit_deltas(table: pd.DataFrame) -> go.Figure:
    """What each commit did to total complexity, over time; bug fixes and reverts stand out."""
    kinds = np.select(
        [table["is_revert"], table["is_bugfix"], table["is_merge"]], ["Revert", "Bug fix", "Merge"], "Other"
    )
    colours = {"Other": ACTIVITY, "Merge": "#64748b", "Bug fix": BUGFIX, "Revert": INDUCING}
    fig = go.Figure()
    for kind in ("Other", "Merge", "Bug fix", "Revert"):
        part = table[kinds == kind]
        if part.empty:
            continue
        fig.add_trace(
            go.Scattergl(
                x=part["committed_at"].dt.tz_convert(None),
                y=part["d_cc_total"],
                mode="markers",
                name=kind,
                marker={"color": colours[kind], "size": 6 if kind == "Other" else 8, "opacity": 0.75},
                customdata=np.column_stack(
                    [part["sha"].str[:10], part["subject"].str.slice(0, 80), part["d_sloc"]]
                ),
                hovertemplate="%{customdata[0]} · %{x|%d %b %Y}<br>%{customdata[1]}<br>ΔCC %{y:+,} · Δsloc %{customdata[2]:+,}<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        height=360,
        title="Complexity change per commit",
        legend={"y": 1.02, "x": 1, "xanchor": "right"},
    )
    fig.update_xaxes(title_text="Committed (UTC)")
    fig.update_yaxes(title_text="ΔCC vs first parent", zeroline=True, zerolinecolor="#cbd5e1")
    return fig


def release_cadence(releases: pd.DataFrame, repos: list[str]) -> go.Figure:
    """Days since the previous release, one bar per release; change failures in red."""
    several = len(repos) > 1
    fig = go.Figure()
    for failed, colour, name in ((False, QUALITY, "Release"), (True, BUGFIX, "Change failure")):
        parts = []
        for repo in repos:
            part = releases[releases["repo"] == repo].sort_values("released_ts")
            parts.append(part.assign(gap=part["released_ts"].diff() / 86400))
        rows = pd.concat(parts) if parts else releases.assign(gap=[])
        rows = rows[rows["change_failure"] == failed]
        if rows.empty:
            continue
        labels = [f"{r} {t}" if several else t for r, t in zip(rows["repo"], rows["tag"], strict=True)]
        fig.add_trace(
            go.Bar(
                x=rows["released_at"].dt.tz_convert(None),
                y=rows["gap"],
                name=name,
                marker_color=colour,
                text=labels,
                textposition="outside",
                textangle=0,
                cliponaxis=False,
                hovertemplate="%{text}: %{y:,.0f} days after the previous release<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE, height=360, title="Release cadence", legend={"x": 1, "xanchor": "right"}
    )
    fig.update_xaxes(title_text="Release date (UTC)")
    fig.update_yaxes(title_text="Days since previous release", rangemode="tozero")
    return fig


def distribution(values: pd.Series, title: str, axis: str, colour: str = LEAD) -> go.Figure:
    """A histogram with the median marked (durations are skewed: the median is the honest centre)."""
    fig = go.Figure(
        go.Histogram(
            x=values,
            marker_color=colour,
            opacity=0.85,
            nbinsx=40,
            hovertemplate="%{x}: %{y:,}<extra></extra>",
            name=axis,
        )
    )
    if len(values):
        median = float(np.median(values))
        fig.add_vline(
            x=median,
            line={"color": INK, "dash": "dash", "width": 1.5},
            annotation_text=f"median {median:,.1f}",
            annotation_position="top right",
        )
    fig.update_layout(template=TEMPLATE, height=340, title=title, showlegend=False, bargap=0.05)
    fig.update_xaxes(title_text=axis)
    fig.update_yaxes(title_text="Count", rangemode="tozero")
    return fig


def monthly_rate(
    monthly: pd.DataFrame, numerator: str, denominator: str, title: str, axis: str, colour: str = BUGFIX
) -> go.Figure:
    """A monthly share (e.g. reverts per commit) as percent, pooled over repositories."""
    per = monthly.groupby("month", sort=True)[[numerator, denominator]].sum()
    share = per[numerator] / per[denominator].where(per[denominator] > 0) * 100
    fig = go.Figure(
        go.Bar(
            x=per.index,
            y=share,
            marker_color=colour,
            customdata=per[[numerator, denominator]],
            hovertemplate="%{x|%b %Y}: %{y:.1f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, height=340, title=title, showlegend=False)
    fig.update_xaxes(title_text="Month (UTC)")
    fig.update_yaxes(title_text=axis, rangemode="tozero")
    return fig


LEVEL_LABELS = {
    "unadjusted": "Unadjusted",
    "size": "Size-adjusted",
    "size+exposure": "Size + exposure-adjusted",
}
LEVEL_COLOURS = {"unadjusted": "#94a3b8", "size": "#60a5fa", "size+exposure": QUALITY}


def forest(effects: pd.DataFrame, labels: dict[str, str], sesoi: float) -> go.Figure:
    """Effect ratio per SD of worse quality with its CI, per hypothesis and adjustment level.

    The shaded band is the equivalence region [1/SESOI, SESOI]: effects inside it are too small
    to matter; the dotted line at 1 is no effect. A log axis keeps 0.5 and 2 equally far from 1.
    """
    fig = go.Figure()
    rows = effects.assign(
        row=[
            f"{labels.get(h, h).capitalize()} · {LEVEL_LABELS.get(lv, lv)}"
            for h, lv in zip(effects["hypothesis"], effects["level"], strict=True)
        ]
    )
    order = list(rows["row"])[::-1]
    for level, part in rows.groupby("level", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["ratio"],
                y=part["row"],
                mode="markers",
                name=LEVEL_LABELS.get(level, level),
                marker={"color": LEVEL_COLOURS.get(level, MUTED), "size": 11, "symbol": "diamond"},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": part["ci_high"] - part["ratio"],
                    "arrayminus": part["ratio"] - part["ci_low"],
                    "color": LEVEL_COLOURS.get(level, MUTED),
                    "thickness": 2,
                    "width": 6,
                },
                customdata=np.column_stack(
                    [part["ci_low"], part["ci_high"], part["p_value"], part["adjusted_for"]]
                ),
                hovertemplate="%{y}<br>ratio %{x:.2f} [%{customdata[0]:.2f}–%{customdata[1]:.2f}], p=%{customdata[2]:.3f}"
                "<br>adjusted for: %{customdata[3]}<extra></extra>",
            )
        )
    fig.add_vrect(
        x0=1 / sesoi,
        x1=sesoi,
        fillcolor="#16a34a",
        opacity=0.09,
        line_width=0,
        annotation_text=f"too small to matter (SESOI {sesoi:.2f}×)",
        annotation_position="top left",
        annotation_font={"size": 11, "color": "#15803d"},
    )
    fig.add_vline(x=1, line={"color": INK, "dash": "dot", "width": 1})
    finite = (
        pd.concat([rows["ci_low"], rows["ci_high"], rows["ratio"]])
        .replace([np.inf, -np.inf], np.nan)
        .dropna()
    )
    finite = finite[finite > 0]
    low = min(float(finite.min()) if len(finite) else 0.5, 1 / sesoi) / 1.15
    high = max(float(finite.max()) if len(finite) else 2.0, sesoi) * 1.15
    fig.update_layout(
        template=TEMPLATE,
        height=170 + 34 * len(rows),
        title="Effect of one SD worse quality",
        legend={"y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    low, high = max(low, 1e-3), min(high, 1e3)
    ticks = [
        t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 1, 1.25, 2, 5, 10, 20, 50, 100) if low <= t <= high
    ]
    fig.update_xaxes(
        type="log",
        range=[np.log10(low), np.log10(high)],
        tickvals=ticks,
        ticktext=[f"{t:g}" for t in ticks],
        title_text="Ratio of the outcome per SD of worse quality (log scale; 1 = no effect)",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=order, title_text=None, automargin=True)
    return fig


def bands(frame: pd.DataFrame, quality_label: str, outcome_axis: str) -> go.Figure:
    """Outcome per quality band (worst band first) with 95% CIs: the model-free view of the effect."""
    colours = {"worst": BUGFIX, "middle": "#f59e0b", "best": "#16a34a"}
    est = frame["estimate"].astype("float64")
    fig = go.Figure(
        go.Bar(
            x=[
                f"{p}<br>{label}<br>n={n}"
                for p, label, n in zip(frame["position"], frame["label"], frame["n_rows"], strict=True)
            ],
            y=est,
            marker_color=[colours.get(p, MUTED) for p in frame["position"]],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": frame["ci_high"].astype("float64") - est,
                "arrayminus": est - frame["ci_low"].astype("float64"),
                "color": INK,
                "thickness": 1.5,
                "width": 8,
            },
            customdata=frame["n_rows"],
            hovertemplate="%{x}<br>%{y:.3f} (n=%{customdata})<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE, height=420, title="Outcome per quality band (unadjusted, 95% CI)", showlegend=False
    )
    fig.update_xaxes(title_text=f"Band of {quality_label}, worst to best")
    fig.update_yaxes(title_text=outcome_axis, rangemode="tozero")
    return fig


def quality_scatter(
    panel: pd.DataFrame, quality: str, outcome: str, quality_axis: str, outcome_axis: str, seed: int = 0
) -> go.Figure:
    """Quality against outcome per file-window, coloured by size (the confounder the test adjusts for).

    Counts pile up on whole numbers, so they get a little vertical jitter to show how many rows
    sit at each value.
    """
    rows = panel[[quality, outcome, "sloc", "path", "window_start"]].dropna()
    jitter = np.random.default_rng(seed).uniform(-0.18, 0.18, len(rows))
    y = rows[outcome].astype("float64") + (jitter if pd.api.types.is_integer_dtype(rows[outcome]) else 0)
    fig = go.Figure(
        go.Scattergl(
            x=rows[quality],
            y=y,
            mode="markers",
            marker={
                "color": np.log10(rows["sloc"].clip(lower=1)),
                "colorscale": "Viridis",
                "size": 7,
                "opacity": 0.7,
                "colorbar": {
                    "title": {"text": "sloc"},
                    "tickvals": [1, 2, 3, 4],
                    "ticktext": ["10", "100", "1k", "10k"],
                    "thickness": 12,
                },
            },
            customdata=np.column_stack([rows["path"], rows["window_start"], rows["sloc"], rows[outcome]]),
            hovertemplate="%{customdata[0]}<br>window from %{customdata[1]} · %{customdata[2]:,.0f} sloc"
            "<br>quality %{x:.2f} · outcome %{customdata[3]}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE, height=420, title="Quality vs outcome per file-window (colour: size)"
    )
    fig.update_xaxes(title_text=quality_axis)
    fig.update_yaxes(
        title_text=outcome_axis + (" (jittered)" if pd.api.types.is_integer_dtype(rows[outcome]) else "")
    )
    return fig


COPY = "#db2777"
MOVED = "#0d9488"
CHURN = LEAD
DUPLICATED = "#64748b"
DECLARED = "#9333ea"
AI_SERIES = {
    "copy_paste_share": COPY,
    "moved_share": MOVED,
    "churn_share": CHURN,
    "duplicated_block_share": DUPLICATED,
    "ai_share": DECLARED,
}


def ai_monthly(monthly: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """The AI-era lens per month: copy/paste vs moved and churn (shares of line operations and of
    written lines) above the shares of commits with a duplicated block and declaring AI assistance."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        row_heights=[0.58, 0.42],
        subplot_titles=["Line operations per month", "Commits per month"],
    )
    months = pd.to_datetime(monthly["month"])
    rows = {
        "copy_paste_share": 1,
        "moved_share": 1,
        "churn_share": 1,
        "duplicated_block_share": 2,
        "ai_share": 2,
    }
    for column, row in rows.items():
        if column not in monthly:
            continue
        fig.add_trace(
            go.Scatter(
                x=months,
                y=monthly[column].astype("float64") * 100,
                name=labels[column],
                mode="lines+markers",
                line={"color": AI_SERIES[column], "width": 2.2},
                marker={"size": 5},
                connectgaps=False,
                hovertemplate="%{x|%b %Y}: %{y:.1f}%<extra>" + labels[column] + "</extra>",
            ),
            row=row,
            col=1,
        )
    fig.update_layout(
        template=TEMPLATE, height=600, hovermode="x unified", legend={"y": 1.1}, margin={"t": 110}
    )
    fig.update_yaxes(title_text="% of line operations / written lines", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="% of commits", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text="Month (author time, UTC)", row=2, col=1)
    return fig


def before_after(monthly: pd.DataFrame, metric: str, label: str, event: str) -> go.Figure:
    """One monthly share around an adoption date: the months, the event, and the mean before and after."""
    months = pd.to_datetime(monthly["month"])
    values = monthly[metric].astype("float64") * 100
    at = pd.Timestamp(f"{event}-01")
    colour = AI_SERIES.get(metric, QUALITY)
    fig = go.Figure(
        go.Scatter(
            x=months,
            y=values,
            mode="markers+lines",
            name=label,
            marker={"size": 7, "color": colour},
            line={"color": colour, "width": 1, "dash": "dot"},
            hovertemplate="%{x|%b %Y}: %{y:.1f}%<extra></extra>",
        )
    )
    for part, name in ((months < at, "Mean before"), (months >= at, "Mean after")):
        if values[part].notna().any():
            mean = float(values[part].mean())
            fig.add_trace(
                go.Scatter(
                    x=[months[part].min(), months[part].max()],
                    y=[mean, mean],
                    mode="lines",
                    name=f"{name}: {mean:.1f}%",
                    line={"color": INK, "width": 2.5},
                    hoverinfo="skip",
                )
            )
    fig.add_vline(
        x=at,
        line={"color": DECLARED, "dash": "dash", "width": 1.5},
        annotation_text=f"adoption {event}",
        annotation_position="top left",
        annotation_font={"color": DECLARED},
    )
    fig.update_layout(
        template=TEMPLATE,
        height=400,
        title=f"Before and after {event}: {label}",
        showlegend=True,
        legend={"y": 1.04},
        margin={"t": 90},
    )
    fig.update_xaxes(title_text="Month (author time, UTC)")
    fig.update_yaxes(title_text="%", rangemode="tozero")
    return fig


def duplication(points: pd.DataFrame, repos: list[str]) -> go.Figure:
    """Duplicated-block share of the Python code at each month end (one line per repository), releases marked."""
    fig = go.Figure()
    colours = repo_colours(repos)
    several = len(repos) > 1
    for repo in repos:
        part = points[points["repo"] == repo]
        ends, rel = part[part["kind"] == "month"], part[part["kind"] == "release"]
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(ends["committed_ts"], unit="s"),
                y=ends["share"].astype("float64") * 100,
                mode="lines+markers",
                marker={"size": 4},
                name=f"month end · {repo}" if several else "month end",
                line={"color": colours[repo], "width": 2.5, "shape": "hv"},
                customdata=np.column_stack([ends["python_lines"], ends["duplicated_lines"]]),
                text=ends["at"],
                hovertemplate="end of %{text}: %{y:.1f}% (%{customdata[1]:,} of "
                "%{customdata[0]:,} lines)<extra></extra>",
            )
        )
        if len(rel):
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(rel["committed_ts"], unit="s"),
                    y=rel["share"].astype("float64") * 100,
                    mode="markers+text",
                    text=thinned_labels(pd.to_datetime(rel["committed_ts"], unit="s"), list(rel["at"])),
                    customdata=list(rel["at"]),
                    textposition="top center",
                    textfont={"size": 10, "color": RELEASE},
                    name="release",
                    marker={"symbol": "triangle-down", "size": 9, "color": RELEASE},
                    hovertemplate="%{customdata}: %{y:.1f}%<extra></extra>",
                    cliponaxis=False,
                )
            )
    fig.update_layout(
        template=TEMPLATE,
        height=360,
        title="Duplicated-block share of the Python code",
        legend={"y": 1.04},
        margin={"t": 90},
    )
    fig.update_xaxes(title_text="Last mainline commit of the month / release (UTC)")
    fig.update_yaxes(title_text="Lines in duplicated blocks (%)", rangemode="tozero")
    return fig


def tree_map(files: pd.DataFrame) -> go.Figure:
    """The tree as nested boxes: area is the commits that touched each file, colour its MI (folders:
    their files' MI weighted by sloc), so big red boxes are complex code that keeps changing."""
    files = files[files["commits"] > 0]
    several = files["repo"].nunique() > 1
    nodes: dict[str, dict[str, float]] = {}
    for repo, path, commits, sloc, mi in zip(
        files["repo"], files["path"], files["commits"], files["sloc"].fillna(0), files["mi"], strict=True
    ):
        parts = ([repo] if several else []) + path.split("/")
        for depth in range(1, len(parts) + 1):
            node = nodes.setdefault("/".join(parts[:depth]), {"value": 0.0, "mi_sloc": 0.0, "sloc": 0.0})
            node["value"] += float(commits)
            if pd.notna(mi) and sloc > 0:
                node["mi_sloc"] += float(mi) * float(sloc)
                node["sloc"] += float(sloc)
    ids = list(nodes)
    colour = [nodes[i]["mi_sloc"] / nodes[i]["sloc"] if nodes[i]["sloc"] else None for i in ids]
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=[i.rsplit("/", 1)[-1] for i in ids],
            parents=[i.rsplit("/", 1)[0] if "/" in i else "" for i in ids],
            values=[nodes[i]["value"] for i in ids],
            branchvalues="total",
            marker={
                "colors": colour,
                "colorscale": MI_SCALE,
                "cmin": 0,
                "cmax": 100,
                "colorbar": {"title": {"text": "MI"}, "thickness": 12},
            },
            customdata=colour,
            hovertemplate="<b>%{id}</b><br>%{value:,} commits · MI %{customdata:.1f}<extra></extra>",
            maxdepth=4,
        )
    )
    fig.update_layout(height=620, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig
