"""`qroi summary`: a terminal report of one repository, built from the store alone.

Three questions a newcomer asks first: how good is the Python code now, which way is it moving,
and where are the hotspots (files that change often and are complex: where quality costs most).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from rich.console import Console, Group
from rich.table import Table
from sqlalchemy import Engine

from qroi.core import roles
from qroi.read import delivery, queries


@dataclass
class SummaryData:
    """The numbers behind the report (tests compare them with the store's own tables)."""

    repo: str
    commits: pd.DataFrame
    files: pd.DataFrame
    trend: pd.DataFrame
    hotspots: pd.DataFrame
    roles: frozenset[str]
    unscored: pd.DataFrame
    releases: pd.DataFrame
    issues: pd.DataFrame
    outcomes: delivery.ChangeOutcomes


def hotspot_table(files: pd.DataFrame, top: int = 10, kept: frozenset[str] | None = None) -> pd.DataFrame:
    """Files of the kept roles (product code by default) ranked by change frequency x total
    complexity (Tornhill's hotspot heuristic)."""
    files = files[files["role"].isin(kept or {roles.PRODUCT})]
    ranked = files.assign(score=files["commits"] * files["cc_total"].astype("Float64").fillna(0))
    return ranked.sort_values(["score", "commits", "path"], ascending=[False, False, True]).head(top)


def quarterly_trend(commits: pd.DataFrame) -> pd.DataFrame:
    """Quality at the last commit of each calendar quarter, with the quarter's activity."""
    if commits.empty:
        return pd.DataFrame()
    df = commits.assign(quarter=queries.utc(commits["committed_ts"]).dt.tz_localize(None).dt.to_period("Q"))
    work = df[~df["is_merge"].astype(bool)]
    last = df.sort_values(["generation", "committed_ts"]).groupby("quarter").last()
    activity = work.groupby("quarter").agg(commits=("sha", "size"), bugfixes=("is_bugfix", "sum"))
    trend = last[["py_files", "py_sloc", "py_mi", "py_functions", "py_c_or_worse"]].join(activity, how="left")
    trend["c_share"] = trend["py_c_or_worse"] / trend["py_functions"].where(trend["py_functions"] > 0)
    return trend.fillna({"commits": 0, "bugfixes": 0})


def gather(
    engine: Engine,
    repo: str,
    top: int = 10,
    kept: frozenset[str] | None = None,
    globs: roles.Overrides | None = None,
) -> SummaryData:
    """Everything `qroi summary` prints; roles as `qroi.read.file_roles` resolves them with `globs`."""
    commits = queries.commits(engine, repo)
    files = queries.head_files(engine, repo, globs)
    return SummaryData(
        repo=repo,
        commits=commits,
        files=files,
        trend=quarterly_trend(commits),
        hotspots=hotspot_table(files, top, kept),
        roles=kept or frozenset({roles.PRODUCT}),
        unscored=queries.unscored_blobs(engine, repo),
        releases=queries.releases(engine, repo),
        issues=queries.issues(engine, repo),
        outcomes=delivery.outcomes_of(engine, repo),
    )


def delivery_rows(data: SummaryData) -> list[tuple[str, str]]:
    """The delivery side in a few figures; each says what is missing when the data is."""
    commits, releases, issues, outcomes = data.commits, data.releases, data.issues, data.outcomes
    work = commits[~commits["is_merge"].astype(bool)]
    rows = [
        (
            "bug-fix commits (by message or bug issue)",
            f"{int(work['fix'].fillna(False).astype(bool).sum()):,}",
        ),
        ("bug-inducing commits (SZZ)", f"{outcomes.bug_inducing:,}"),
        ("lines reworked soon after being written", f"{int(work['reworked_lines'].fillna(0).sum()):,}"),
        ("reverted commits", f"{outcomes.reverted:,}"),
    ]
    if releases.empty:
        rows.append(("releases", "none (no version tags)"))
    else:
        months = max((releases["released_ts"].max() - releases["released_ts"].min()) / (30.44 * 86400), 1)
        failed = int(releases["change_failure"].astype(bool).sum())
        rows += [
            ("releases (per month)", f"{len(releases):,} ({len(releases) / months:.2f})"),
            ("median lead time to release", f"{_fmt(outcomes.median_lead_days)} days"),
            ("change failure rate", f"{failed / len(releases):.0%} ({failed} of {len(releases)})"),
        ]
    closed = issues["time_to_close_days"].dropna() if not issues.empty else issues
    rows.append(
        (
            "issues imported (median days to close)",
            f"{len(issues):,} ({closed.median():.1f})" if len(closed) else "none: qroi issues import FILE",
        )
    )
    return rows


def _fmt(value: object, digits: int = 1) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def overview_figures(data: SummaryData) -> dict[str, Any]:
    """The "quality now" figures, as numbers: the terminal table and `--format json` both show these."""
    commits = data.commits
    head = commits.iloc[-1] if not commits.empty else None
    total = int(data.unscored["blobs"].sum()) if not data.unscored.empty else 0
    failed = data.unscored[data.unscored["error_kind"].notna()] if total else data.unscored
    figures: dict[str, Any] = {
        "commits": len(commits),
        "merges": int(commits["is_merge"].astype(bool).sum()) if not commits.empty else 0,
        "authors": int(commits["author_email"].nunique()) if not commits.empty else 0,
        "python_blobs": total,
        "unscored_blobs": int(failed["blobs"].sum()) if total else 0,
        "unscored_by_kind": dict(zip(failed["error_kind"], (int(n) for n in failed["blobs"]), strict=True))
        if total
        else {},
    }
    if head is not None:
        functions = int(head["py_functions"])
        figures |= {
            "first_day": commits["authored_at"].iloc[0][:10],
            "last_day": head["authored_at"][:10],
            "py_files": int(head["py_files"]),
            "py_sloc": int(head["py_sloc"]),
            "py_mi": None if pd.isna(head["py_mi"]) else float(head["py_mi"]),
            "py_functions": functions,
            "c_or_worse": int(head["py_c_or_worse"]),
            "c_or_worse_share": head["py_c_or_worse"] / functions if functions else None,
            "bugfix_commits": int(commits["is_bugfix"].astype(bool).sum()),
        }
    return figures


def _records(frame: pd.DataFrame, index: str | None = None) -> list[dict[str, Any]]:
    out = frame.reset_index(names=index) if index else frame
    return json.loads(out.astype({index: str} if index else {}).to_json(orient="records"))


def to_dict(data: SummaryData) -> dict[str, Any]:
    """`qroi summary --format json`: the report's figures, the same numbers the tables print."""
    return {
        "repo": data.repo,
        "file_roles": sorted(data.roles),
        "overview": overview_figures(data),
        "delivery": [{"figure": label, "value": value} for label, value in delivery_rows(data)],
        "trend": _records(data.trend, "quarter") if not data.trend.empty else [],
        "hotspots": _records(data.hotspots),
    }


def render(data: SummaryData, console: Console) -> None:
    figures = overview_figures(data)
    overview = Table(title=f"{data.repo}: quality now", show_header=False, title_justify="left")
    overview.add_column(style="bold")
    overview.add_column(justify="right")
    overview.add_row("commits (merges)", f"{figures['commits']:,} ({figures['merges']:,})")
    overview.add_row("authors", _fmt(figures["authors"]))
    if "py_files" in figures:
        overview.add_row("history", f"{figures['first_day']} .. {figures['last_day']}")
        overview.add_row("Python files at HEAD", _fmt(figures["py_files"]))
        overview.add_row("Python sloc", _fmt(figures["py_sloc"]))
        overview.add_row("size-weighted MI (0-100, higher is better)", _fmt(figures["py_mi"]))
        share = figures["c_or_worse_share"]
        overview.add_row(
            "functions ranked C or worse (CC >= 11)",
            f"{figures['c_or_worse']:,} ({_fmt(share and share * 100)}%)",
        )
        overview.add_row("bug-fix commits", f"{figures['bugfix_commits']:,}")
    kinds = ", ".join(f"{k} {n}" for k, n in figures["unscored_by_kind"].items())
    overview.add_row(
        "unscored Python blobs",
        f"{figures['unscored_blobs']:,} of {figures['python_blobs']:,}" + (f" ({kinds})" if kinds else ""),
    )

    trend = Table(title="trend (quality at the end of each quarter)", title_justify="left")
    for col in ("quarter", "commits", "bug fixes", "py files", "sloc", "MI", "C-or-worse %"):
        trend.add_column(col, justify="right")
    for quarter, row in data.trend.tail(8).iterrows():
        trend.add_row(
            str(quarter),
            _fmt(int(row["commits"])),
            _fmt(int(row["bugfixes"])),
            _fmt(int(row["py_files"])),
            _fmt(int(row["py_sloc"])),
            _fmt(row["py_mi"]),
            _fmt(row["c_share"] * 100 if pd.notna(row["c_share"]) else None),
        )

    delivery = Table(title="delivery", show_header=False, title_justify="left")
    delivery.add_column(style="bold")
    delivery.add_column(justify="right")
    for label, value in delivery_rows(data):
        delivery.add_row(label, value)

    shown = "all" if data.roles == set(roles.names()) else ", ".join(sorted(data.roles))
    hot = Table(title=f"hotspots (commits x total complexity; {shown} files)", title_justify="left")
    for col in ("file", "commits", "bug fixes", "CC total", "CC max", "MI", "sloc"):
        hot.add_column(col, justify="left" if col == "file" else "right")
    for _, row in data.hotspots.iterrows():
        hot.add_row(
            row["path"],
            _fmt(row["commits"]),
            _fmt(row["bugfix_commits"]),
            _fmt(row["cc_total"]),
            _fmt(row["cc_max"]),
            _fmt(row["mi"]),
            _fmt(row["sloc"]),
        )
    console.print(Group(overview, delivery, trend, hot))
