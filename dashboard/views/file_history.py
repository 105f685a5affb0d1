"""File history: one file's maintainability, complexity and size across the commits that changed it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qroi.core import roles
from qroi.dashboard import charts, components, data, filters
from qroi.dashboard.components import Card, fmt_int

f = filters.current()
components.header(
    "File history",
    "How did one file's quality evolve, and did bug fixes cluster around it?",
    f,
    all_history="a file's history is drawn whole, followed back through its renames",
)
ss = st.session_state
repos = list(f.scope.repos)
if ss.get("history_repo") not in repos:
    ss["history_repo"] = repos[0]
left, right = st.columns([1, 3])
if len(repos) > 1:
    left.selectbox("Repository", repos, key="history_repo", persist_state="session")
repo = ss["history_repo"]
kept = filters.role_picker(
    left, "Which files the picker lists, by role (product code by default, as the CLI)."
)
every_path = data.python_paths(f.scope.url, f.scope.stamp, repo)
# A file opened from Hotspots (or the Map) stays listed whatever its role.
paths = [p for p in every_path if roles.role_of(p) in kept or p == ss.get("history_path")]
if not paths:
    components.nothing(f"{repo} has no Python files of these roles in its history.", "Add file roles.")
    st.stop()
hot = data.hotspots_of(
    f.scope.url, f.scope.stamp, repo, f.scope.start, f.scope.end, tuple(sorted(roles.names()))
)
if ss.get("history_path") not in paths:
    # The first file shown is the hottest file of the kept roles, as Hotspots ranks them (tests led).
    mine = hot[hot["role"].isin(kept)]
    ss["history_path"] = mine["path"].iloc[0] if len(mine) else paths[0]
right.selectbox(
    "File",
    paths,
    key="history_path",
    persist_state="session",
    help="Every Python path the history touched, including deleted files. The Hotspots page opens "
    "its files here.",
)
path = ss["history_path"]

view = data.history(f.scope, repo, path)
hist, funcs = view.history, view.functions
inducing = set(view.inducing["inducing_sha"])
if hist.empty:
    components.nothing(f"No commit changed {path}.")
    st.stop()
scored = view.scored
first, last = (scored.iloc[0], scored.iloc[-1]) if len(scored) else (None, None)


def since_first(col: str, digits: int = 0) -> str | None:
    if first is None or pd.isna(first[col]) or pd.isna(last[col]) or len(scored) < 2:
        return None
    return f"{last[col] - first[col]:+,.{digits}f}"


deleted = hist.iloc[-1]["change_type"] == "delete"
signals = data.delivery_signals(f.scope.url, f.scope.stamp)
commits, fixes = hist["sha"].nunique(), hist.loc[hist["is_bugfix"], "sha"].nunique()
components.cards(
    [
        Card(
            "Commits",
            fmt_int(commits),
            help="Commits that changed this file over all history, under this path and the names it had "
            "before (renames followed back).",
        ),
        Card(
            "Bug-fix commits",
            fmt_int(fixes),
            help="Bug-fix commits among them (renames followed back, all history).",
        ),
        Card(
            "Bug-inducing",
            fmt_int(hist.loc[hist["sha"].isin(inducing), "sha"].nunique()) if signals else "—",
            help="Commits of this file that a later bug fix's changed lines were blamed on (SZZ).",
        ),
        Card("Authors", fmt_int(hist["author_name"].nunique())),
        Card(
            "sloc",
            fmt_int(last["sloc"]) if last is not None else "—",
            since_first("sloc"),
            "off",
            help="Source lines of the latest scored version (change since the first).",
        ),
        Card(
            "MI",
            f"{last['mi']:.1f}" if last is not None and pd.notna(last["mi"]) else "—",
            since_first("mi", 1),
            help="Maintainability index of the latest scored version, 0–100, higher is better.",
        ),
        Card(
            "CC total",
            fmt_int(last["cc_total"]) if last is not None else "—",
            since_first("cc_total"),
            "inverse",
            help="Total cyclomatic complexity of the latest scored version (lower is simpler).",
        ),
    ],
    per_row=4,  # seven in a row cut their labels at 1280 px
)
as_hotspot = hot[hot["path"] == path]
if len(as_hotspot) and (as_hotspot.iloc[0]["commits"], as_hotspot.iloc[0]["bugfix_commits"]) != (
    commits,
    fixes,
):
    row = as_hotspot.iloc[0]
    st.caption(
        f"Hotspots count {row['commits']:,} commits and {row['bugfix_commits']:,} bug fixes for this "
        f"file in the period {f.period_text}; the {commits:,} commits and {fixes:,} bug fixes here are "
        "over all history (both follow it through its renames, as `qroi export files` does)."
    )
earlier = [p for p in dict.fromkeys(hist["path"]) if p != path]
if earlier:
    st.caption(
        f"Followed through renames (qroi.read.lineage): before `{path}` this file was "
        + ", ".join(f"`{p}`" for p in earlier)
        + "."
    )
if deleted:
    st.warning(
        f"{path} was deleted by {hist.iloc[-1]['sha'][:10]} on {hist.iloc[-1]['committed_at']:%d %b %Y}; "
        "the figures describe its last version.",
        icon=":material/delete:",
    )
unscored = hist[hist["error_kind"].notna()]
if len(unscored):
    kinds = ", ".join(sorted(unscored["error_kind"].unique()))
    st.info(
        f"{len(unscored)} version(s) of this file could not be scored ({kinds}); they are gaps in the lines.",
        icon=":material/info:",
    )

if scored.empty:
    components.nothing("No version of this file could be scored by Radon, so there is nothing to plot.")
else:
    components.plot(charts.file_history(hist, view.main_line, inducing), key="file_history_chart")
    st.caption(
        "The lines follow the file on the main line (the first-parent chain from HEAD): after each commit "
        "made there and each merge that brought a branch's changes in. Grey points: commits made on a "
        "feature branch, to that branch's copy of the file. Red crosses: bug-fix commits. Orange "
        "triangles: bug-inducing commits, the ones a later bug fix's deleted or changed lines were blamed on "
        "(SZZ, computed by `qroi ingest`)."
    )
    if not signals:
        st.caption(
            "This store was written before qroi computed delivery signals, so it has no SZZ links: run "
            "`qroi ingest` on the repository again to add them."
        )

st.subheader("Functions ranked by complexity")
if funcs.empty:
    components.nothing("The latest scored version has no functions or methods.")
else:
    st.caption(f"In the latest scored version ({last['sha'][:10]}, {last['committed_at']:%d %b %Y}).")
    components.plot(charts.functions(funcs), key="functions_chart")
    st.dataframe(
        funcs[["qualified", "complexity", "rank", "lineno", "endline"]],
        hide_index=True,
        placeholder=components.MISSING,
        column_config={
            "qualified": st.column_config.TextColumn("Function", width="large"),
            "complexity": st.column_config.NumberColumn("CC", format="%d"),
            "rank": "Rank",
            "lineno": st.column_config.NumberColumn("First line", format="%d"),
            "endline": st.column_config.NumberColumn(
                "Last line (Radon)",
                format="%d",
                help="Radon's end line: the last line its visitor reaches in the function's last statement. "
                "A function that ends with an `assert` or a nested def or class ends on its first line here, "
                "however long it is.",
            ),
        },
    )

st.subheader("Commits that changed it")
# Newest first by date: the history's own order follows the commit graph, which put a branch's
# older commits above the mainline's newer ones.
log = hist.assign(inducing=hist["sha"].isin(inducing)).sort_values(
    ["committed_at", "sha"], ascending=False, kind="mergesort"
)[
    [
        "committed_at",
        "sha",
        "author_name",
        "subject",
        "is_bugfix",
        "inducing",
        "change_type",
        "added",
        "deleted",
        "mi",
        "cc_total",
        "sloc",
        "path",
    ]
]
st.dataframe(
    log,
    hide_index=True,
    placeholder=components.MISSING,
    column_config={
        "committed_at": st.column_config.DatetimeColumn("Committed (UTC)", format="YYYY-MM-DD HH:mm"),
        "sha": st.column_config.TextColumn("Commit", width="small"),
        "author_name": "Author",
        "subject": st.column_config.TextColumn("Subject", width="medium"),
        "is_bugfix": st.column_config.CheckboxColumn("Fix", width="small"),
        "inducing": st.column_config.CheckboxColumn("Inducing", width="small"),
        "change_type": st.column_config.TextColumn("Change", width="small"),
        "added": st.column_config.NumberColumn("+lines", format="%d", width="small"),
        "deleted": st.column_config.NumberColumn("−lines", format="%d", width="small"),
        "mi": st.column_config.NumberColumn("MI", format="%.1f", width="small"),
        "cc_total": st.column_config.NumberColumn("CC", format="%d", width="small"),
        "sloc": st.column_config.NumberColumn("sloc", format="%d", width="small"),
        "path": "Path then",
    },
)
